"""Your own GPT: load a checkpoint of the book's GPTModel and see its attention on your text."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from attention_core import bpe
from attention_core import own_model as om
from attention_core.checkpoint import CheckpointError, LoadedGPT, load_gpt_bytes
from attention_core.figures import transformer as tf
from attention_core.figures.frozen import FrozenFigure
from attention_core.text import escape_markdown
from attention_core.views import own_model as ov
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import head_matrix_caption, settings_container, token_names
from ui.lesson import Lesson, figure_tab_blocks
from ui.notices import add_notice
from ui.sentence import bounded_text
from ui.widgets import url_slider, url_token_select

# widget keys (the three settings are in the URL; an uploaded file cannot be)
CONFIG_KEY, WEIGHTS_KEY, FORGET_KEY = "own_config", "own_weights", "own_forget"
LAYER_KEY, HEAD_KEY, QUERY_KEY = "own_layer", "own_head", "own_q"
# chart keys (the model view is also a widget: its selection picks a head)
GRID_KEY = "own_grid"
HEAD_MAP_FIG, HEAD_LINES_FIG, HEAD_BARS_FIG = "own_head_map", "own_head_lines", "own_head_bars"
HEADS_QUERY_FIG, NEXT_FIG = "own_heads_query", "own_next"
HEAD_TABS_KEY = "own_head_tabs"  # presentation mode: the step's figures in tabs
# this session's upload (session state only: never shared with another session, never written to disk)
_LOADED, _SEEN, _ERROR, _RUN = "_own_loaded", "_own_seen", "_own_error", "_own_run"
STEPS = (
    "The model",
    "Tokens: the book's GPT-2 tokenizer",
    "Model view: every layer, every head",
    "One head, one query",
    "What the model predicts next",
)
CONFIG_MAX_MB = 1


@dataclass(frozen=True)
class Upload:
    """A checkpoint read from this session's uploads."""

    loaded: LoadedGPT
    config_name: str
    weights_name: str
    token: str  # identifies this upload in the run cache


@st.cache_resource(show_spinner=False)
def _demo() -> LoadedGPT | str:
    """The shipped tiny GPTModel (one per server, never modified), or why it cannot be read."""
    try:
        return om.load_demo(max_bytes=None)
    except (OSError, CheckpointError) as exc:
        return (
            f"The demo checkpoint in attention_core/assets/tiny_gpt/ cannot be read ({exc}). Recreate it with "
            "`python scripts/train_tiny_gpt.py`; you can still upload your own checkpoint."
        )


@shared_cache(max_entries=4, ttl=15 * 60)
def _demo_analysis(text: str) -> tuple[ov.OwnModelView, go.Figure | FrozenFigure]:
    """The demo model on one text and its model view, shared by sessions (stored frozen; highlight_head thaws)."""
    demo = _demo()
    assert isinstance(demo, LoadedGPT)
    run = ov.own_model_view(demo.model, bpe.gpt2_tokenizer(), text)
    return run, tf.model_view(run.attentions)


def _upload_analysis(upload: Upload, text: str) -> tuple[ov.OwnModelView, go.Figure | FrozenFigure]:
    """This session's model on one text (the last result is kept in session state, for reruns)."""
    cached = st.session_state.get(_RUN)
    if cached is not None and cached[0] == (upload.token, text):
        return cached[1], cached[2]
    run = ov.own_model_view(upload.loaded.model, bpe.gpt2_tokenizer(), text)
    grid = tf.model_view(run.attentions)
    st.session_state[_RUN] = ((upload.token, text), run, grid)
    return run, grid


def _forget() -> None:
    """Drop this session's model (the demo model is shown again)."""
    for key in (_LOADED, _RUN, _ERROR):
        st.session_state.pop(key, None)


def _read_uploads(max_mb: int) -> None:
    """Read a new (config, weights) pair from the uploaders into session state; refusals are kept as text."""
    config_file = st.session_state.get(CONFIG_KEY)
    weights_file = st.session_state.get(WEIGHTS_KEY)
    if config_file is None or weights_file is None:
        return
    pair = (config_file.file_id, weights_file.file_id)
    if st.session_state.get(_SEEN) == pair:
        return  # already read (or refused) in an earlier run
    st.session_state[_SEEN] = pair
    st.session_state.pop(_ERROR, None)
    try:
        with st.spinner("Checking and loading your checkpoint ..."):
            loaded = load_gpt_bytes(
                config_file.getvalue(), weights_file.getvalue(), weights_file.name, max_mb * 1024 * 1024
            )
    except CheckpointError as exc:  # every refusal of a file (anything else is a bug: the error boundary)
        st.session_state[_ERROR] = str(exc)
        return
    st.session_state[_LOADED] = Upload(loaded, config_file.name, weights_file.name, f"{pair[0]}/{pair[1]}")
    st.session_state.pop(_RUN, None)


def _upload_ui(max_mb: int, tokenizer: bpe.Gpt2Tokenizer) -> None:
    """The two uploaders, what they accept and where the files go."""
    c1, c2 = st.columns(2)
    c1.file_uploader(
        "Config (JSON)",
        type=["json"],
        key=CONFIG_KEY,
        max_upload_size=CONFIG_MAX_MB,
        help="The book's config dict saved with json.dump: vocab_size, context_length, emb_dim, n_heads, "
        "n_layers, drop_rate, qkv_bias.",
    )
    c2.file_uploader(
        "Weights (.safetensors or .pth)",
        type=["safetensors", "pth", "pt"],
        key=WEIGHTS_KEY,
        max_upload_size=max_mb,
        help="model.state_dict() saved with safetensors.torch.save_file, or with torch.save (read with "
        "torch.load(weights_only=True): a file with code in it is refused, never run).",
    )
    st.caption(
        f"Tokenizer: the book's GPT-2 BPE (`tiktoken`'s gpt2 encoding), built offline from "
        f"{escape_markdown(tokenizer.source)}; its SHA-256 is checked against the file tiktoken downloads. "
        "Your files stay in this browser session's memory only: they are never written to disk or shown to "
        "another session, and they are gone when the session ends. A link cannot carry an uploaded file, so a "
        "shared link opens with the demo model."
    )


def _model_summary(loaded: LoadedGPT, what: str) -> None:
    """The loaded model's config and size as a small table."""
    cfg = loaded.config
    rows = {
        "model": what,
        "layers × heads": f"{cfg.n_layers} × {cfg.n_heads} (head_dim {cfg.head_dim})",
        "emb_dim": str(cfg.emb_dim),
        "context_length": str(cfg.context_length),
        "vocab_size": f"{cfg.vocab_size:,}",
        "qkv_bias": str(cfg.qkv_bias),
        "parameters": f"{loaded.num_parameters:,}",
        "stored as": f"{loaded.weights_format}, {', '.join(loaded.stored_dtypes)} (runs in float32)",
    }
    st.dataframe(pd.DataFrame({"value": list(rows.values())}, index=list(rows)), width="stretch")


def _select_clicked_head(n_layers: int, n_heads: int) -> None:
    """on_select callback of the model view: the clicked head goes into the layer and head sliders."""
    event = st.session_state.get(GRID_KEY)
    selection = event.get("selection", {}) if isinstance(event, dict) else getattr(event, "selection", {})
    points = selection.get("points", []) if isinstance(selection, dict) else []
    picks = [p.get("customdata") for p in points if isinstance(p.get("customdata"), list | tuple)]
    if not picks or len(picks[0]) < 2:
        return
    layer, head = (int(v) for v in picks[0][:2])
    if 1 <= layer <= n_layers and 1 <= head <= n_heads:
        st.session_state[LAYER_KEY] = layer
        st.session_state[HEAD_KEY] = head


@dataclass(frozen=True)
class View:
    """What the settings picked: 0-based layer, head and query, for one run."""

    layer: int
    head: int
    query: int


def _settings_ui(run: ov.OwnModelView, context_length: int) -> View:
    """Notices about the text, then the layer, head and query controls (all three in the URL)."""
    n_layers, n_heads, t, _ = run.shape
    if run.truncated:
        add_notice(
            f"The text has {run.total_tokens:,} GPT-2 tokens; this page runs the first {run.limit} "
            f"(the model's context length is {context_length})."
        )
    if t == 1:
        add_notice("The text is a single token: it can attend only to itself, so its weight is 1.")
    c_layer, c_head, c_query = st.columns([1, 1, 2])
    with c_layer:
        layer = url_slider("Layer", 1, n_layers, LAYER_KEY, 1, help="1 is closest to the input.")
    with c_head:
        head = url_slider("Head", 1, n_heads, HEAD_KEY, 1)
    with c_query:
        query = url_token_select(
            "Query token",
            token_names(list(run.labels)),
            QUERY_KEY,
            t - 1,
            help="The token whose attention the head view follows.",
        )
    return View(layer - 1, head - 1, query)


def _model_step(
    upload: Upload | None, demo: LoadedGPT | str, max_mb: int, tokenizer: bpe.Gpt2Tokenizer
) -> None:
    """Step 1: the uploaders, a refusal if the last files were refused, and the model shown."""
    _upload_ui(max_mb, tokenizer)
    if st.session_state.get(_ERROR):
        st.error(
            "Your checkpoint was not loaded: " + escape_markdown(st.session_state[_ERROR]),
            icon=":material/gpp_bad:",
        )
    if upload is not None:
        st.success(
            f"Showing **your model** from {escape_markdown(upload.config_name)} + "
            f"{escape_markdown(upload.weights_name)}.",
            icon=":material/check_circle:",
        )
        st.button("Back to the demo model", key=FORGET_KEY, on_click=_forget, icon=":material/undo:")
        for note in upload.loaded.notes:
            st.caption(escape_markdown(note))
        _model_summary(upload.loaded, "your checkpoint")
    elif isinstance(demo, LoadedGPT):
        info = om.demo_info()
        st.info(
            "Showing the **tiny demo model**: the book's architecture, trained for "
            f"{info['steps']} steps on sentences of the toy language (held-out loss {info['held_out_loss']}, "
            f"against {info['uniform_loss']} for a uniform guess). Load your own checkpoint above.",
            icon=":material/model_training:",
        )
        _model_summary(demo, "tiny demo (attention_core/assets/tiny_gpt)")


def _tokens_step(run: ov.OwnModelView) -> None:
    """Step 2: the GPT-2 tokens and their ids."""
    st.markdown(
        f"{len(run.token_ids)} tokens (`␣` marks a leading space; `\\xNN` is part of a character split across "
        'tokens). The ids are what `tiktoken.get_encoding("gpt2").encode(text)` prints in the book.'
    )
    st.code(" · ".join(run.labels), language=None, wrap_lines=True)
    st.code(str(list(run.token_ids)), language=None, wrap_lines=True)


def _model_view_step(
    run: ov.OwnModelView, grid: go.Figure | FrozenFigure, view: View, presenting: bool
) -> None:
    """Step 3: every head as a thumbnail; a click picks the head for step 4."""
    n_layers, n_heads, t, _ = run.shape
    if presenting:
        st.markdown(f"One {t} × {t} matrix per head; **click a square** to enlarge it in the next step.")
    else:
        st.markdown(
            f"Each square is one head's {t} × {t} attention matrix (row = query, column = key). "
            "**Click a square** (or use the sliders) to enlarge it below. Every square is a lower "
            "triangle: the causal mask lets a token look only at itself and earlier tokens."
        )
    show_figure(
        tf.highlight_head(grid, (view.layer, view.head)),
        GRID_KEY,
        on_select=functools.partial(_select_clicked_head, n_layers, n_heads),
        selection_mode="points",
        config={"displayModeBar": False},
    )


def _head_step(run: ov.OwnModelView, view: View) -> None:
    """Step 4: the chosen head's matrix, its head view for the query, and every head for that query."""
    labels = list(run.labels)
    t = len(labels)
    layer, head, query = view.layer, view.head, view.query
    matrix = run.attentions[layer, head]  # (T, T)
    this_tab, heads_tab = figure_tab_blocks(["This head", "Every head, this query"], HEAD_TABS_KEY)
    with this_tab:
        left, right = st.columns([3, 2])
        with left:
            show_figure(
                tf.attention_heatmap(
                    matrix, labels, f"Layer {layer + 1}, head {head + 1}: attention weights"
                ),
                HEAD_MAP_FIG,
            )
            st.caption(head_matrix_caption(matrix, causal=True))
        with right:
            st.markdown(f"**Head view** for the query {escape_markdown(token_names(labels)[query])}")
            if t <= tf.DETAIL_MAX:
                show_figure(tf.head_lines(matrix[query], labels, query, causal=True), HEAD_LINES_FIG)
            else:
                show_figure(
                    tf.top_keys(matrix[query], labels, query, title="Its 12 strongest keys"), HEAD_BARS_FIG
                )
    show_figure(
        tf.heads_for_query(
            run.attentions[layer],
            labels,
            query,
            f"Layer {layer + 1}: where each head sends the query {tf.position_names(labels)[query]}",
            head=head,
        ),
        HEADS_QUERY_FIG,
        container=heads_tab,
    )


def _next_step(run: ov.OwnModelView) -> None:
    """Step 5: the model's five most likely next tokens."""
    best, p_best = run.next_tokens[0]
    st.markdown(
        "The same forward pass ends in the output head: a probability for every token of the vocabulary "
        f"to come next. The five most likely (the best: “{escape_markdown(best.replace(' ', '␣'))}”, "
        f"{100 * p_best:.1f}%):"
    )
    show_figure(tf.next_token_bars(list(run.next_tokens), "Next-token probabilities"), NEXT_FIG)


def own_model_ui() -> None:
    """Upload or demo model -> tokens, model view, head view and next-token prediction for the sentence."""
    st.title("Your own GPT")
    lesson = Lesson(STEPS)
    if not lesson.presenting:
        st.markdown(
            "Trained the book's `GPTModel` in chapters 4–5? Load its checkpoint here and look inside it: every "
            "layer and head of *your* model on the sentence from the sidebar. Until you load one, the page "
            "shows a tiny demo model trained by `scripts/train_tiny_gpt.py`."
        )
    problem = bpe.availability()
    if problem is not None:
        st.error(escape_markdown(problem), icon=":material/extension_off:")
        return
    tokenizer = bpe.gpt2_tokenizer()
    max_mb = int(st.get_option("server.maxUploadSize"))
    _read_uploads(max_mb)
    upload: Upload | None = st.session_state.get(_LOADED)
    demo = _demo()
    if upload is None and isinstance(demo, str):
        st.error(escape_markdown(demo), icon=":material/error:")
    shown = upload.loaded if upload is not None else demo if isinstance(demo, LoadedGPT) else None
    text = bounded_text(ov.MAX_TEXT_CHARS)
    run: ov.OwnModelView | None = None
    grid: go.Figure | FrozenFigure | None = None
    if shown is not None:
        try:
            with st.spinner("Running the model ..."):
                run, grid = _upload_analysis(upload, text) if upload is not None else _demo_analysis(text)
        except ov.TextNotReadableError as exc:
            add_notice(escape_markdown(str(exc)))

    # On a projector the settings fold away below the step (a click in the model view picks a head), so
    # the step's figure stays above the fold; elsewhere they sit above the steps.
    above = st.container()
    lesson.nav_ui()
    content = st.container()
    view: View | None = None
    if run is not None:
        area = settings_container(True) if lesson.presenting else above
        with area:
            view = _settings_ui(run, shown.config.context_length if shown else run.limit)
    with content:
        _steps(lesson, upload, demo, max_mb, tokenizer, run, grid, view)


def _steps(
    lesson: Lesson,
    upload: Upload | None,
    demo: LoadedGPT | str,
    max_mb: int,
    tokenizer: bpe.Gpt2Tokenizer,
    run: ov.OwnModelView | None,
    grid: go.Figure | FrozenFigure | None,
    view: View | None,
) -> None:
    """The lesson's steps (one at a time in presentation mode, where the navigation bar names the step)."""

    def header(number: int) -> None:
        if not lesson.presenting:
            lesson.header(number)

    if lesson.show(1):
        header(1)
        _model_step(upload, demo, max_mb, tokenizer)
    if run is None or grid is None or view is None:
        return
    for number, draw in (
        (2, lambda: _tokens_step(run)),
        (3, lambda: _model_view_step(run, grid, view, lesson.presenting)),
        (4, lambda: _head_step(run, view)),
        (5, lambda: _next_step(run)),
    ):
        if lesson.show(number):
            header(number)
            draw()


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    own_model_ui()
