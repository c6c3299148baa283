"""Shared pieces of the two translation pages: cached models, results and evaluation, the sentence picker with
the lectures' own sentences, the toy language's word list, and the model's output marked against the rules."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from attention_core.text import DEFAULT_SENTENCE, bound_text, escape_markdown
from attention_core.translation import grammar as g
from attention_core.translation.analysis import Architecture, WorkedStep, worked_step
from attention_core.translation.evaluate import Evaluation, lcs_match
from attention_core.translation.models import (
    ASSET_DIR,
    AttentionTranslator,
    Translated,
    Translator,
    TranslatorConfig,
    Vocab,
    WeightsError,
    load_config,
    load_model,
    translate_sentence,
)
from ui.cache import shared_cache
from ui.notices import add_notice
from ui.present import is_presenting
from ui.sentence import TEXT_KEY
from ui.widgets import url_selectbox

MAX_SOURCE_TOKENS = g.MAX_LEN  # the models were trained on sentences of up to 40 tokens
SIDEBAR = -1  # the picker's "use the sidebar sentence" choice
FALLBACK_EXAMPLE = 2  # "the european economic area opens a big market"


@st.cache_resource(show_spinner="Loading the trained translator ...")
def translator(which: str) -> Translator:
    """One shipped translator ('bottleneck' or 'attention'), loaded once per server from safetensors (read-only)."""
    return load_model(which, ASSET_DIR)


@st.cache_resource(show_spinner=False)
def vocabularies() -> tuple[Vocab, Vocab]:
    """The shipped config.json's (source vocabulary, target vocabulary), loaded once per server (read-only)."""
    _, _, src_vocab, tgt_vocab = load_config(ASSET_DIR)
    return src_vocab, tgt_vocab


@shared_cache(max_entries=1)
def model_sizes() -> dict[str, TranslatorConfig]:
    """The sizes of both shipped translators, from config.json."""
    return load_config(ASSET_DIR)[1]


@shared_cache(max_entries=1)
def evaluation() -> Evaluation:
    """The shipped held-out evaluation (accuracy by length, survival by position), typed and read-only."""
    return Evaluation.from_json(json.loads((ASSET_DIR / "eval.json").read_text()))


@shared_cache(max_entries=128)
def run_model(which: str, tokens: tuple[str, ...]) -> Translated:
    """One sentence through one model ('bottleneck' or 'attention'), cached per sentence."""
    src_vocab, tgt_vocab = vocabularies()
    return translate_sentence(translator(which), src_vocab, tgt_vocab, list(tokens))


@shared_cache(max_entries=128)
def run_worked_step(tokens: tuple[str, ...], step: int) -> WorkedStep:
    """Output step `step` of the attention model on `tokens`, recomputed by hand."""
    src_vocab, tgt_vocab = vocabularies()
    model = translator("attention")
    assert isinstance(model, AttentionTranslator)
    return worked_step(model, src_vocab, tgt_vocab, run_model("attention", tokens), step)


@dataclass(frozen=True)
class LoadedTranslator:
    """A shipped translator and the sizes of both (to compare them on the page)."""

    model: Translator
    sizes: Mapping[str, TranslatorConfig]


def translator_or_error(which: str) -> LoadedTranslator | None:
    """The model and sizes, or None after a clear error (what is wrong, how to fix it) when files are broken.

    The page then returns early instead of stopping, so the app still writes the link and shows notices.
    """
    try:
        return LoadedTranslator(translator(which), model_sizes())
    except WeightsError as err:
        st.error(escape_markdown(str(err)), icon=":material/error:")
        return None


def evaluation_or_error() -> Evaluation | None:
    """The shipped evaluation, or None after a clear error when eval.json is missing or unreadable."""
    try:
        return evaluation()
    except (OSError, ValueError, KeyError, TypeError) as err:
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


EXAMPLE_TOKENS = tuple(tuple(g.read_source(e).known) for e in g.EXAMPLE_SENTENCES)
# the picker lists the lectures' sentences first; the URL keeps each example's own number (?rb_ex=11)
EXAMPLE_ORDER = (*g.LECTURE_EXAMPLES, *(i for i in range(len(EXAMPLE_TOKENS)) if i not in g.LECTURE_EXAMPLES))


def _example_label(i: int) -> str:
    if i == SIDEBAR:
        return "The sidebar sentence"
    tokens = EXAMPLE_TOKENS[i]
    text = " ".join(tokens[:10]) + (" …" if len(tokens) > 10 else "")
    origin = "Lecture · " if i in g.LECTURE_EXAMPLES else ""
    return f"{origin}{len(tokens)} tokens · {text}"


def source_ui(key: str, container: DeltaGenerator) -> Source:
    """The sentence picker (sidebar sentence or an example, kept in the URL under `key`, drawn in `container`)
    and its notices."""
    lengths = [len(t) for t in EXAMPLE_TOKENS]
    with container:
        choice = url_selectbox(
            "Sentence to translate",
            [SIDEBAR, *EXAMPLE_ORDER],
            key,
            SIDEBAR,
            url_format=lambda i: "sidebar" if i == SIDEBAR else str(i + 1),
            format_func=_example_label,
            help=f"The toy language knows {len(g.SOURCE_WORDS)} English tokens. Use the sidebar sentence, or pick "
            f"an example: the lectures' own sentences first, then others from {min(lengths)} to {max(lengths)} "
            "tokens.",
        )
        if not is_presenting():  # on a projector the word list would push the figures down
            vocabulary_ui()
    if choice != SIDEBAR:
        tokens = list(EXAMPLE_TOKENS[choice])
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
            + (
                "Leave presentation mode to see every word it knows."
                if is_presenting()
                else "Every word it knows is in the list above."
            ),
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
    elif src.dropped_punctuation and not is_presenting():
        st.caption(
            "Punctuation other than commas and question marks is left out: the toy language keeps only those."
        )
    return Source(tokens, g.translate(tokens), True)


def vocabulary_ui() -> None:
    """A folded list of every English word the toy language knows, by kind, and its rules in brief."""
    kinds = {
        "Determiners": list(g.DETERMINERS),
        "Adjectives": list(g.ADJECTIVES),
        "Nouns (singular/plural)": [f"{n}/{forms.plural}" for n, forms in g.NOUNS.items()],
        "Names": list(g.NAMES),
        "Pronouns": [*g.SUBJECT_PRONOUNS, *g.OBJECT_PRONOUNS],
        "Verbs (he … / they … / past)": [
            f"{v}/{forms.base}" + (f"/{forms.past}" if forms.past else "") for v, forms in g.VERBS.items()
        ],
        "Be, can": [*g.COPULAS, *g.MODALS],
        "States after “was” (agree like adjectives)": list(g.PARTICIPLES),
        "Prepositions": [("next to" if p == "next" else p) for p in g.PREPOSITIONS],
        "Adverbs (move behind the verb)": list(g.ADVERBS),
        "Relative pronouns": list(g.RELATIVES),
        "Conjunctions (join clauses)": list(g.CONJUNCTIONS),
        "Punctuation kept": list(g.PUNCTUATION),
    }
    with st.expander("The toy language: every English word it knows", icon=":material/menu_book:"):
        st.markdown(
            "A sentence is clauses joined by conjunctions; a clause has a subject (*determiner, adjectives, "
            "noun*, maybe with a relative clause such as *that was sitting on the mat* or *, which was next to "
            "the dog ,*) and a verb in the present or the past, with an object or a place. The French side puts "
            "the noun first and mirrors the adjectives; everything agrees in gender and number, verbs agree with "
            "their subject however far back it is (*le chat …, a sauté*), the past is the passé composé, "
            "pronouns move before the verb, and articles elide and contract (*l'oiseau*, *à côté du chien*)."
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


def parts_table_ui(arch: Architecture, key: str) -> None:
    """The model's parts as a read-only table: what each does with which sizes, and its learned numbers."""
    import pandas as pd

    table = pd.DataFrame(
        {
            "part": [b.name for b in arch.blocks],
            "sizes": [b.detail for b in arch.blocks],
            "learned numbers": [b.parameters for b in arch.blocks],
        }
    )
    with st.container(key=key):  # the key names the table for tests and the page's CSS
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={"learned numbers": st.column_config.NumberColumn(format="localized")},
        )
