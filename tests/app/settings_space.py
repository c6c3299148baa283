"""The settings space of every registered page, in one place: what a link may set, as Hypothesis strategies.

Each entry maps a page's url_path to a `PageSpace`: a strategy drawing that page's URL parameters exactly as
a link sets them (strings: "1"/"0" for switches, numbers as text, menu choices by their URL value), the
number of generated examples it gets, and how many charts it must keep. The shared sentence (`text`),
presentation mode (`present`) and, on lesson pages, the step (`step`) are added for every page. A page in
ui.pages.PAGES without an entry here fails `test_every_registered_page_has_a_settings_space`: whoever adds
a page adds its settings here (keys from the page's own key constants).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from app_pages import bahdanau, learn, rnn_bottleneck
from attention_core.embeddings import MAX_DIM, MIN_DIM
from attention_core.learning import config as learn_config
from attention_core.learning.sentences import DISTANCE_BUCKETS
from attention_core.text import tokenize
from attention_core.translation import grammar as g
from attention_core.views.multihead import divisors

ROOT = Path(__file__).resolve().parents[2]
Params = dict[str, str]

# ---------------------------------------------------------------- sentences of 1 to 80 tokens

ENGLISH = (
    "the",
    "cat",
    "sat",
    "on",
    "mat",
    "attention",
    "is",
    "all",
    "you",
    "need",
    "journey",
    "step",
    "don't",
)
PUNCTUATION = tuple(",.!?;:'\"()-–…")
EMOJI = ("😀", "🐱", "🚀", "👍🏽", "🇫🇷", "👩‍🏫", "❤️")
CJK = ("注意力", "机制", "学习", "日本語", "文", "한국어")
RTL = ("שלום", "עולם", "مرحبا", "بالعالم", "سلام")
TOY = tuple(sorted(g.SOURCE_WORDS))  # the translation pages' known words


def _piece() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(TOY),
        st.sampled_from(ENGLISH),
        st.sampled_from(PUNCTUATION),
        st.sampled_from(EMOJI),
        st.sampled_from(CJK),
        st.sampled_from(RTL),
    )


@st.composite
def sentences(draw: st.DrawFn, min_tokens: int = 1, max_tokens: int = 80) -> str:
    """A sentence of about `min_tokens`..`max_tokens` tokens mixing words, punctuation, emoji, CJK and RTL."""
    kind = draw(st.sampled_from(["mixed", "toy", "mixed"]))
    piece = st.sampled_from(TOY) if kind == "toy" else _piece()
    pieces = draw(st.lists(piece, min_size=min_tokens, max_size=max_tokens))
    glue = draw(st.sampled_from([" ", " ", "  ", "\n"]))
    return glue.join(pieces)


def n_tokens(text: str) -> int:
    """How many tokens the toy pages read in `text` (before their 64-token cut)."""
    return max(1, len(tokenize(text)))


# ---------------------------------------------------------------- helpers


def _int(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).map(str)


def _switch() -> st.SearchStrategy[str]:
    return st.sampled_from(["1", "0"])


def _rate(lo: float, hi: float) -> st.SearchStrategy[str]:
    return st.integers(round(lo / 0.05), round(hi / 0.05)).map(lambda k: f"{k * 0.05:g}")


def _some(draw: st.DrawFn, params: dict[str, st.SearchStrategy[str]]) -> Params:
    """Each setting set by the link or left at its default (links only carry what differs)."""
    out: Params = {}
    for key, strategy in params.items():
        if draw(st.booleans()):
            out[key] = draw(strategy)
    return out


def lesson_steps(path: str) -> int:
    """The number of lesson steps a page declares (its STEPS tuple), 0 for pages without steps."""
    tree = ast.parse((ROOT / path).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "STEPS" for t in node.targets):
            return len(node.value.elts)  # type: ignore[attr-defined]
    return 0


# ---------------------------------------------------------------- each page's own settings


def _none(draw: st.DrawFn, text: str) -> Params:
    return {}


def _simplified(draw: st.DrawFn, text: str) -> Params:
    return _some(
        draw,
        {
            "q": _int(1, min(n_tokens(text), 64)),
            "dim": _int(MIN_DIM, MAX_DIM),
            "vec": st.sampled_from(["book", "model"]),
            "demo": st.sampled_from(["1, 2, 3, 400", "1, 2, 3, 1000", "1000, 1000, 1000"]),
        },
    )


def _weights(prefix: str, seed_keys: dict[str, str], draw: st.DrawFn) -> Params:
    build = draw(st.sampled_from(["rand", "linear"]))
    params = {f"{prefix}_build": build}
    params |= _some(
        draw,
        {
            seed_keys[build]: _int(0, 999),
            f"{prefix}_din": _int(MIN_DIM, MAX_DIM),
            f"{prefix}_dout": _int(1, 16),
            "vec": st.sampled_from(["book", "model"]),
        },
    )
    return params


def _trainable(draw: st.DrawFn, text: str) -> Params:
    params = _weights("tw", {"rand": "tw_seed", "linear": "tw_lseed"}, draw)
    return params | _some(draw, {"tw_q": _int(1, min(n_tokens(text), 64)), "tw_scale": _switch()})


def _causal(draw: st.DrawFn, text: str) -> Params:
    params = _weights("ca", {"rand": "ca_rseed", "linear": "ca_seed"}, draw)
    return params | _some(
        draw,
        {"ca_mask": _switch(), "ca_drop": _switch(), "ca_rate": _rate(0.0, 0.9), "ca_dseed": _int(0, 999)},
    )


def _multihead(draw: st.DrawFn, text: str) -> Params:
    d_out = draw(st.integers(1, 16))
    heads = draw(st.sampled_from(divisors(d_out)))
    params = {"mh_dout": str(d_out), "mh_heads": str(heads)}
    params |= {f"mh_h{i + 1}": draw(_switch()) for i in range(heads) if draw(st.booleans())}
    return params | _some(
        draw,
        {
            "mh_seed": _int(0, 999),
            "mh_din": _int(MIN_DIM, MAX_DIM),
            "mh_drop": _switch(),
            "mh_rate": _rate(0.05, 0.9),
            "mh_causal": _switch(),
            "vec": st.sampled_from(["book", "model"]),
        },
    )


def _example() -> st.SearchStrategy[str]:
    return st.one_of(st.just("sidebar"), _int(1, len(g.EXAMPLE_SENTENCES)))


def _rnn(draw: st.DrawFn, text: str) -> Params:
    return _some(
        draw,
        {
            rnn_bottleneck.EXAMPLE_KEY: _example(),
            rnn_bottleneck.METRIC_KEY: st.sampled_from(sorted(rnn_bottleneck.METRICS)),
            rnn_bottleneck.SURVIVAL_KEY: st.sampled_from(sorted(rnn_bottleneck.SURVIVAL_MODELS)),
        },
    )


def _bahdanau(draw: st.DrawFn, text: str) -> Params:
    reorder = [str(i + 1) for i in bahdanau.REORDER_EXAMPLES]
    return _some(
        draw,
        {
            bahdanau.EXAMPLE_KEY: _example(),
            bahdanau.RULE_KEY: _switch(),
            bahdanau.REORDER_KEY: st.sampled_from(reorder),
            # the output word of the worked step, 1-based; past the translation's end it falls back to a default
            bahdanau.WORD_KEY: _int(1, 2 * g.MAX_LEN),
        },
    )


def _transformer(draw: st.DrawFn, text: str) -> Params:
    model = draw(st.sampled_from(["minilm", "smollm2"]))
    layers, heads = {"minilm": (6, 12), "smollm2": (30, 9)}[model]
    params = {"tf_model": model}
    # tf_from / tf_to: the tokens A and B of "which heads link A to B" (1-based positions, like tf_q)
    return params | _some(
        draw,
        {
            "tf_layer": _int(1, layers),
            "tf_head": _int(1, heads),
            "tf_q": _int(1, 12),
            "tf_from": _int(1, 12),
            "tf_to": _int(1, 12),
        },
    )


def _generate(draw: st.DrawFn, text: str) -> Params:
    params = _some(
        draw,
        {
            "gen_strategy": st.sampled_from(["greedy", "sample"]),
            "gen_temp": _rate(0.1, 2.0),
            "gen_topk": _int(0, 200),
            "gen_topp": _rate(0.05, 1.0),
            "gen_seed": _int(0, 999),
            "gen_len": _int(1, 64),
            "gen_layer": _int(1, 30),
            "gen_head": _int(1, 9),
            "gen_mean": _switch(),
        },
    )
    if draw(st.booleans()):  # a link with written tokens (replayed: a few forward passes each)
        ids = draw(st.lists(st.integers(0, 49_151), min_size=1, max_size=3))
        params["gen_out"] = ".".join(map(str, ids))
        if draw(st.booleans()):  # the pass on screen; the model may end the text early, then it falls back
            params["gen_view"] = str(draw(st.integers(1, len(ids))))
    return params


def _learn(draw: st.DrawFn, text: str) -> Params:
    task = draw(st.sampled_from(learn_config.TASKS))
    seed_key, steps_key, lr_key, heads_key, width_key = learn.TRAIN_KEYS[task]
    steps = learn.SUBJECT_STEPS if task == "subject" else learn.INDUCTION_STEPS  # the page has one per task
    params = {learn.TASK_KEY: task}
    if task == "subject":  # the sentence to watch (one per distance bucket) is a setting of task 1 only
        params |= _some(draw, {learn.EXAMPLE_KEY: _int(0, len(DISTANCE_BUCKETS) - 1)})
    return params | _some(
        draw,
        {
            learn.POS_KEY: _switch(),
            seed_key: _int(0, learn_config.MAX_SEED),
            steps_key: st.integers(1, learn_config.MAX_STEPS[task] // 10).map(lambda k: str(10 * k)),
            lr_key: st.sampled_from([f"{v:g}" for v in learn_config.LEARNING_RATES]),
            heads_key: st.sampled_from([str(h) for h in learn_config.HEADS]),
            width_key: st.sampled_from([str(w) for w in learn_config.WIDTHS]),
            "step": _int(1, len(steps)),
        },
    )


def _gqa(draw: st.DrawFn, text: str) -> Params:
    d_out = draw(st.integers(1, 16))
    heads = draw(st.sampled_from(divisors(d_out)))
    groups = draw(st.sampled_from(divisors(heads)))
    params = {"gqa_dout": str(d_out), "gqa_heads": str(heads), "gqa_groups": str(groups)}
    return params | _some(
        draw,
        {
            "gqa_causal": _switch(),
            "gqa_seed": _int(0, 999),
            "gqa_din": _int(MIN_DIM, MAX_DIM),
            "gqa_ctx": st.sampled_from([str(2**k) for k in range(8, 18)]),
            "gqa_batch": _int(1, 64),
            "gqa_dtype": st.sampled_from(["float32", "bfloat16 / float16", "8-bit", "4-bit"]),
            "vec": st.sampled_from(["book", "model"]),
        },
    )


def _sliding_window(draw: st.DrawFn, text: str) -> Params:
    t = max(n_tokens(text), 2)
    return _some(
        draw,
        {
            "swa_window": _int(1, t),
            "swa_layers": _int(1, 8),
            "swa_q": _int(1, max(n_tokens(text), 1)),
            "swa_seed": _int(0, 999),
            "swa_din": _int(MIN_DIM, MAX_DIM),
            "swa_dout": _int(1, 16),
            "swa_llm_window": _int(1, 64),
            "swa_layer": _int(1, 30),
            "swa_head": _int(1, 9),
        },
    )


def _positions(draw: st.DrawFn, text: str) -> Params:
    d_out = draw(st.sampled_from([2, 4, 6, 8, 10, 12, 14, 16]))
    t = max(n_tokens(text), 1)
    return {"pos_dout": str(d_out)} | _some(
        draw,
        {
            "pos_scheme": st.sampled_from(["learned", "sinusoidal", "rope"]),
            "pos_shuffle": _int(0, 99),
            "pos_q": _int(1, t),
            "pos_k": _int(1, t),
            "pos_pair": st.sampled_from([str(i) for i in range(d_out // 2)]),
            "pos_seed": _int(0, 999),
            "pos_din": _int(MIN_DIM, MAX_DIM),
            "vec": st.sampled_from(["book", "model"]),
        },
    )


def _sinks(draw: st.DrawFn, text: str) -> Params:
    return _some(
        draw,
        {
            "sink_smooth": _int(1, 256),
            "sink_log": _switch(),
            "sink_window": _int(3, 127),
            "sink_keep": _int(1, 126),
        },
    )


def _own_model(draw: st.DrawFn, text: str) -> Params:
    # the demo model has 2 layers x 4 heads and a 64-token context; a query beyond the text falls back
    return _some(draw, {"own_layer": _int(1, 2), "own_head": _int(1, 4), "own_q": _int(1, 64)})


@dataclass(frozen=True)
class PageSpace:
    """One page's settings (drawn given the sentence), its example budget, and the charts it must keep."""

    path: str
    settings: Callable[[st.DrawFn, str], Params]
    budget: int  # generated examples per run (the CI profile; scaled by HYPOTHESIS_PROFILE=explore)
    min_charts: int  # charts on the page outside presentation mode, for every setting
    step_charts: tuple[int, ...] = field(default=())  # in presentation mode: at least this many per step

    @property
    def steps(self) -> int:
        """Lesson steps of the page (0: the page has no step-by-step reveal)."""
        return lesson_steps(self.path)


SETTINGS_SPACE: dict[str, PageSpace] = {
    "home": PageSpace("app_pages/home.py", _none, budget=4, min_charts=1),
    "teach": PageSpace("app_pages/teach.py", _none, budget=4, min_charts=0),
    "rnn_bottleneck": PageSpace("app_pages/rnn_bottleneck.py", _rnn, 14, 4, (1, 1, 0, 1, 1)),
    "bahdanau": PageSpace("app_pages/bahdanau.py", _bahdanau, 14, 7, (1, 1, 1, 1, 1, 2, 0)),
    "simplified": PageSpace("app_pages/simplified.py", _simplified, 18, 6, (0, 0, 2, 1, 0, 3)),
    "trainable": PageSpace("app_pages/trainable.py", _trainable, 18, 6, (1, 1, 1, 1, 1, 1, 0)),
    # with the mask off, the causal page's step 3 explains why there is nothing to compare instead of 2 charts
    "causal": PageSpace("app_pages/causal.py", _causal, 18, 3, (1, 1, 0, 0, 1)),
    "multihead": PageSpace("app_pages/multihead.py", _multihead, 24, 3, (1, 1, 1, 0, 0)),  # 5: wrapper table
    # steps: tokens, the model view, one head (3 charts), aggregates, the A-to-B grid + its best head, next token
    # (an encoder predicts none: a message instead)
    "transformer": PageSpace("app_pages/transformer.py", _transformer, 10, 7, (0, 1, 3, 2, 2, 0)),
    "generate": PageSpace("app_pages/generate.py", _generate, 8, 5, (1, 1, 2, 1)),
    # the induction task draws 4 charts, the subject task 5 (steps per task: drawn by _learn)
    "learn": PageSpace("app_pages/learn.py", _learn, 10, 4),
    # Today's LLMs (issue 16); the model pages get small budgets (every new text runs SmolLM2 / MiniLM)
    "gqa": PageSpace("app_pages/gqa.py", _gqa, 14, 4, (1, 2, 0, 1)),
    "sliding_window": PageSpace("app_pages/sliding_window.py", _sliding_window, 6, 6, (1, 1, 3, 1)),
    "positions": PageSpace("app_pages/positions.py", _positions, 14, 8, (1, 1, 2, 1, 2, 1)),
    "sinks": PageSpace("app_pages/sinks.py", _sinks, 4, 7, (2, 3, 2, 0)),
    # steps: the model (uploaders), tokens, the model view, one head (3 charts), the next token
    "own_model": PageSpace("app_pages/own_model.py", _own_model, 12, 5, (0, 0, 1, 3, 1)),
}


@st.composite
def page_links(draw: st.DrawFn, url_path: str) -> Params:
    """A link to the page: the sentence, presentation mode and step, and the page's own settings."""
    space = SETTINGS_SPACE[url_path]
    text = draw(sentences())
    params: Params = {"text": text}
    if draw(st.integers(0, 3)) == 0:  # one link in four opens in presentation mode
        params["present"] = "1"
        if space.steps:
            params["step"] = str(draw(st.integers(1, space.steps)))
    params |= space.settings(draw, text)
    return params
