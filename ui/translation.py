"""Shared pieces of the two translation pages: cached models and evaluation, the sentence picker, marked output."""

from __future__ import annotations

import json
from dataclasses import dataclass

import streamlit as st

from attention_core.text import DEFAULT_SENTENCE, bound_text, escape_markdown
from attention_core.translation import grammar as g
from attention_core.translation.evaluate import lcs_match
from attention_core.translation.models import (
    ASSET_DIR,
    Translated,
    Translator,
    Vocab,
    WeightsError,
    load_config,
    load_model,
    translate_sentence,
)
from ui.cache import shared_cache
from ui.sentence import TEXT_KEY
from ui.state import add_notice, url_selectbox

MAX_SOURCE_TOKENS = g.MAX_LEN  # the models were trained on sentences of up to 40 tokens
SIDEBAR = -1  # the picker's "use the sidebar sentence" choice
FALLBACK_EXAMPLE = 2  # "the european economic area opens a big market"


@st.cache_resource(show_spinner="Loading the trained translator ...")
def translator(which: str) -> Translator:
    """One shipped translator ('bottleneck' or 'attention'), loaded once per server from safetensors."""
    return load_model(which, ASSET_DIR)


@st.cache_resource(show_spinner=False)
def vocabularies() -> tuple[dict, Vocab, Vocab]:
    """The shipped config.json: (config, source vocabulary, target vocabulary)."""
    config, _, src_vocab, tgt_vocab = load_config(ASSET_DIR)
    return config, src_vocab, tgt_vocab


@st.cache_data(show_spinner=False)
def evaluation() -> dict:
    """The shipped held-out evaluation (accuracy by length, survival by position)."""
    return json.loads((ASSET_DIR / "eval.json").read_text())


@shared_cache(max_entries=128)
def run_model(which: str, tokens: tuple[str, ...]) -> Translated:
    """One sentence through one model ('bottleneck' or 'attention'), cached per sentence."""
    _, src_vocab, tgt_vocab = vocabularies()
    return translate_sentence(translator(which), src_vocab, tgt_vocab, list(tokens))


def translator_or_error(which: str) -> tuple[Translator, dict] | None:
    """(model, config), or None after a clear error (what is wrong, how to fix it) when files are broken.

    The page then returns early instead of stopping, so the app still writes the link and shows notices.
    """
    try:
        return translator(which), vocabularies()[0]
    except WeightsError as err:
        st.error(escape_markdown(str(err)), icon=":material/error:")
        return None


def evaluation_or_error() -> dict | None:
    """The shipped evaluation, or None after a clear error when eval.json is missing or unreadable."""
    try:
        return evaluation()
    except (OSError, ValueError) as err:
        st.error(
            escape_markdown(
                f"The evaluation file {ASSET_DIR / 'eval.json'} is missing or unreadable ({err}). Run "
                "`python scripts/train_translation.py` to recreate it."
            ),
            icon=":material/error:",
        )
        return None


@dataclass
class Source:
    """The sentence a translation page works on."""

    tokens: list[str]
    reference: g.Translation
    from_sidebar: bool


def _example_label(i: int) -> str:
    if i == SIDEBAR:
        return "The sidebar sentence"
    words = g.EXAMPLE_SENTENCES[i].split()
    text = " ".join(words[:9]) + (" …" if len(words) > 9 else "")
    return f"{len(words)} words · {text}"


def source_ui(key: str, container: object = None) -> Source:
    """The sentence picker (sidebar sentence or an example, kept in the URL under `key`) and its notices."""
    target = container if container is not None else st
    with target:
        choice = url_selectbox(
            "Sentence to translate",
            [SIDEBAR, *range(len(g.EXAMPLE_SENTENCES))],
            key,
            SIDEBAR,
            url_format=lambda i: "sidebar" if i == SIDEBAR else str(i + 1),
            format_func=_example_label,
            help="The toy language knows about 120 English words. Use the sidebar sentence, or pick an example "
            "(they run from 3 to 39 words).",
        )
        vocabulary_ui()
    if choice != SIDEBAR:
        tokens = g.read_source(g.EXAMPLE_SENTENCES[choice]).known
        return Source(tokens, g.translate(tokens), False)

    raw = str(st.session_state.get(TEXT_KEY, DEFAULT_SENTENCE) or "")
    text, cleaning = bound_text(raw)
    for message in cleaning:
        add_notice(message)
    src = g.read_source(text, max_tokens=10 * MAX_SOURCE_TOKENS)
    if src.unknown:
        shown = src.unknown[:8]
        parts = []
        for word in shown:
            hint = src.suggestions.get(word) or []
            tip = f" (did you mean {', '.join(f'*{escape_markdown(s)}*' for s in hint)}?)" if hint else ""
            parts.append(f"**{escape_markdown(word[:30])}**{tip}")
        more = f" and {len(src.unknown) - len(shown)} more" if len(src.unknown) > len(shown) else ""
        st.warning(
            f"The toy language does not know {'; '.join(parts)}{more}. "
            + ("These words are left out. " if src.known else "")
            + "Every word it knows is in the list above.",
            icon=":material/translate:",
        )
    tokens = src.known
    if len(tokens) > MAX_SOURCE_TOKENS:
        st.info(
            f"The sentence has {len(tokens)} known words; the translators were trained on up to "
            f"{MAX_SOURCE_TOKENS}, so the first {MAX_SOURCE_TOKENS} are used.",
            icon=":material/content_cut:",
        )
        tokens = tokens[:MAX_SOURCE_TOKENS]
    if not tokens:
        example = g.EXAMPLE_SENTENCES[FALLBACK_EXAMPLE]
        st.info(
            f"No word of the sidebar sentence is in the toy language, so this page translates the example "
            f"“{example}”. Pick another example above, or type a sentence from the word list below.",
            icon=":material/lightbulb:",
        )
        tokens = g.read_source(example).known
    elif src.dropped_punctuation:
        st.caption("Punctuation is left out: the toy language has none.")
    return Source(tokens, g.translate(tokens), True)


def vocabulary_ui() -> None:
    """A folded list of every English word the toy language knows, by kind."""
    kinds = {
        "Determiners": list(g.DETERMINERS),
        "Adjectives": list(g.ADJECTIVES),
        "Nouns (singular, plural)": [f"{n}/{forms[0]}" for n, forms in g.NOUNS.items()],
        "Verbs (singular, plural subject)": [f"{v}/{forms[0]}" for v, forms in g.VERBS.items()],
        "Prepositions": list(g.PREPOSITIONS),
        "Adverbs (move behind the verb)": list(g.ADVERBS),
        "Conjunctions (join clauses)": list(g.CONJUNCTIONS),
    }
    with st.expander("The toy language: every English word it knows", icon=":material/menu_book:"):
        st.markdown(
            "A sentence is clauses joined by conjunctions; a clause is *determiner, adjectives, noun*, then a "
            "verb and an object or a place (*in the garden*). The French side puts the noun first and mirrors "
            "the adjectives; determiners and adjectives agree with the noun's gender and number."
        )
        for name, words in kinds.items():
            st.markdown(f"**{name}:** " + ", ".join(escape_markdown(w) for w in words))


def marked_tokens_md(output: list[str], reference: list[str]) -> tuple[str, str, int]:
    """(model line, reference line, matched count) as Markdown; unmatched tokens red on both lines."""
    out_hit, ref_hit = lcs_match(output, reference)
    model_line = " ".join(
        escape_markdown(t) if ok else f":red[**{escape_markdown(t)}**]"
        for t, ok in zip(output, out_hit, strict=True)
    )
    ref_line = " ".join(
        escape_markdown(t) if ok else f":red[__{escape_markdown(t)}__]"
        for t, ok in zip(reference, ref_hit, strict=True)
    )
    return model_line or "*(nothing)*", ref_line, sum(ref_hit)


def output_vs_reference_ui(output: list[str], reference: list[str], label: str) -> None:
    """The model's output above the rules' translation, words that do not match in red."""
    model_line, ref_line, matched = marked_tokens_md(output, reference)
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(label)}:** {model_line}")
        st.markdown(f"**Reference (the rules):** {ref_line}")
        exact = output == reference
        st.caption(
            f"{matched} of {len(reference)} reference words produced in order"
            + (" — a perfect translation." if exact else "; red words are wrong, extra or missing.")
        )
