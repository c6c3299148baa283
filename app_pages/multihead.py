"""Page 7: multi-head attention — split into heads, attend, concatenate, project; heads on/off; PyTorch parity."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from attention_core import self_attention as sa
from attention_core.embeddings import MAX_DIM, MIN_DIM
from attention_core.figures.common import DIVERGING
from attention_core.figures.self_attention import heatmap_grid, pipeline_figure
from attention_core.text import MAX_TOKENS
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import settings_container, vector_text
from ui.lesson import Lesson
from ui.sentence import current_tokens
from ui.state import url_float_slider, url_selectbox, url_slider, url_toggle
from ui.vectors import vector_source_ui

MAX_D_OUT = 16
BOOK_SEED = 123
DROPOUT_SEED = 123  # torch.manual_seed before the training-mode pass
PARITY_TOL = 1e-5
STEPS = (
    "Each head attends on its own",
    "What switching heads off changes",
    "Split → attend → concatenate → project",
    "Check against PyTorch",
)
BOOK_OUTPUT = """[[0.3190, 0.4858],
 [0.2943, 0.3897],
 [0.2856, 0.3593],
 [0.2693, 0.3873],
 [0.2639, 0.3928],
 [0.2575, 0.4028]]"""


@st.cache_resource(max_entries=32, show_spinner=False)
def _model(d_in: int, d_out: int, num_heads: int, seed: int, causal: bool) -> sa.MultiHeadAttention:
    """`torch.manual_seed(seed)` then the book's MultiHeadAttention (shared between sessions: never modified)."""
    return sa.build_multihead(d_in, d_out, MAX_TOKENS, num_heads, seed, causal=causal).eval()


@shared_cache(max_entries=64)
def _mha_state(
    tokens: tuple[str, ...],
    source: str,
    d_in: int,
    d_out: int,
    num_heads: int,
    seed: int,
    causal: bool,
    dropout: float,
    head_on: tuple[bool, ...],
    _inputs: torch.Tensor,
) -> dict[str, object]:
    """Numbers and figures for one setting (built once, reused on reruns; never modified)."""
    toks = list(tokens)
    n = len(toks)
    mha = _model(d_in, d_out, num_heads, seed, causal)
    inputs = _inputs  # (T, d_in): fixed by tokens, source and d_in, which are in the cache key
    head_mask = torch.tensor(head_on, dtype=torch.float32)  # (h,)
    with torch.no_grad():
        full, attn_weights = mha(inputs)  # (T, d_out), (h, T, T)
        selected, _ = mha(inputs, head_mask=head_mask)
        if dropout > 0:  # a training-mode pass on a private copy with its own dropout rate
            with sa.seeded(DROPOUT_SEED):
                trainer = sa.MultiHeadAttention(d_in, d_out, MAX_TOKENS, dropout, num_heads, causal=causal)
                trainer.load_state_dict(mha.state_dict())
                torch.manual_seed(DROPOUT_SEED)
                _, attn_weights = trainer.train()(inputs, head_mask=head_mask)
    steps = sa.multihead_steps(mha, inputs, head_mask)
    hd = mha.head_dim
    future = sa.causal_mask(n).numpy() if causal else None
    titles = [
        f"head {i + 1} · dims {i * hd + 1}–{(i + 1) * hd}" + ("" if on else " (off)")
        if hd > 1
        else f"head {i + 1} · dim {i + 1}" + ("" if on else " (off)")
        for i, on in enumerate(head_on)
    ]
    dims = [f"d{j + 1}" for j in range(d_out)]
    figures: dict[str, go.Figure] = {
        "heads": heatmap_grid(
            list(attn_weights),
            toks,
            toks,
            titles,
            active=list(head_on),
            hidden=future,
            hidden_text="0",
            zmin=0.0,
            max_cols=2 if num_heads in (2, 4) else 3 if num_heads in (3, 6, 9) else 4,
            decimals=3 if num_heads > 2 else 4,
        ),
        "effect": heatmap_grid(
            [full, selected, selected - full],
            toks,
            dims,
            ["All heads on", "Heads as selected", "Change (selected − all)"],
            colorscale=DIVERGING,
            value_name="value",
            x_title="dimension",
            y_title="token",
            decimals=4,
            max_cols=3,
        ),
        "pipeline": pipeline_figure(
            steps.queries, steps.head_context, steps.concat, steps.context_vec, toks, head_on
        ),
    }
    # PyTorch's own attention on the same weights (eval mode, so the reference is deterministic)
    checks: list[dict[str, object]] = []
    sdpa = sa.sdpa_reference(mha, inputs, head_mask=head_mask)
    checks.append(
        {
            "PyTorch reference": "F.scaled_dot_product_attention + out_proj",
            "compared": "output (heads as selected)",
            "largest difference": float((sdpa - selected).abs().max()),
        }
    )
    with torch.no_grad():
        fused, _ = mha(inputs, head_mask=head_mask, need_weights=False)
    checks.append(
        {
            "PyTorch reference": "this module, need_weights=False (fused)",
            "compared": "output (heads as selected)",
            "largest difference": float((fused - selected).abs().max()),
        }
    )
    if d_in == d_out:
        ref_out, ref_weights = sa.torch_multihead_reference(mha, inputs)
        with torch.no_grad():
            _, own_weights = mha(inputs)
        checks.append(
            {
                "PyTorch reference": "nn.MultiheadAttention, weights copied",
                "compared": "output (all heads on)",
                "largest difference": float((ref_out - full).abs().max()),
            }
        )
        checks.append(
            {
                "PyTorch reference": "nn.MultiheadAttention, weights copied",
                "compared": "attention weights per head",
                "largest difference": float((ref_weights - own_weights).abs().max()),
            }
        )
    for row in checks:
        row["within 1e-5"] = "yes" if row["largest difference"] <= PARITY_TOL else "NO"  # type: ignore[operator]
    return {
        "full": full,
        "selected": selected,
        "figures": figures,
        "checks": pd.DataFrame(checks),
        "out_proj_bias": mha.out_proj.bias.detach().clone(),
    }


def _matrix_text(m: torch.Tensor) -> str:
    """A matrix printed row by row like the notebook: [[a, b], [c, d]]."""
    return "[" + ",\n ".join(vector_text(row) for row in m) + "]"


def multihead_ui() -> None:
    """Multi-head attention for the shared sentence, head by head, with a parity check against PyTorch."""
    st.title("Multi-head attention")
    lesson = Lesson(STEPS)
    if not lesson.presenting:
        st.markdown(
            "One attention head learns one way of relating tokens. **Multi-head attention** runs several heads "
            "side by side, each on its own slice of the projected vectors, then glues their outputs together and "
            "mixes them with one more linear layer. This is the book's efficient `MultiHeadAttention`: one "
            "projection, split into heads, attend, concatenate, project."
        )
    tokens = current_tokens().tokens

    with settings_container(lesson.presenting):
        s1, s2, s3 = st.columns(3)
        with s1:
            d_out = url_slider(
                "Output size d_out",
                1,
                MAX_D_OUT,
                "mh_dout",
                2,
                help="Size of the queries, keys, values and output.",
            )
        with s2:
            seed = url_slider("Random seed", 0, 999, "mh_seed", BOOK_SEED, help="The book uses 123.")
        with s3:
            d_in = url_slider("Embedding size d_in", MIN_DIM, MAX_DIM, "mh_din", 3, help="The book uses 3.")
        s4, s5 = st.columns([1, 2])
        with s4:
            use_dropout = url_toggle(
                "Dropout", "mh_drop", False, help="Training-mode dropout on the weights."
            )
        with s5:
            rate = url_float_slider(
                "Dropout rate p", 0.05, 0.9, "mh_rate", 0.5, 0.05, disabled=not use_dropout
            )
        vectors = vector_source_ui(tokens, d_in)
    c1, c2 = st.columns([1, 1], vertical_alignment="center")
    with c1:
        num_heads = url_selectbox(
            "Number of heads",
            sa.divisors(d_out),
            "mh_heads",
            2,
            help="Only divisors of d_out: every head gets the same number of dimensions, d_out / heads.",
        )
    with c2:
        causal = url_toggle("Causal mask", "mh_causal", True, help="Hide later tokens, as in GPT.")
    head_dim = d_out // num_heads
    toggle_cols = st.columns(min(num_heads, 8))
    switches = []
    for i in range(num_heads):
        with toggle_cols[i % len(toggle_cols)]:
            switches.append(
                url_toggle(f"Head {i + 1}", f"mh_h{i + 1}", True, help="Off: this head contributes zeros.")
            )
    head_on = tuple(switches)
    st.caption(
        f"{num_heads} head{'s' * (num_heads > 1)} × {head_dim} dimension{'s' * (head_dim > 1)} = d_out {d_out}. "
        "A switched-off head contributes zeros to the concatenation."
    )
    lesson.nav_ui()
    state = _mha_state(
        tuple(tokens),
        vectors.source,
        d_in,
        d_out,
        num_heads,
        seed,
        causal,
        rate if use_dropout else 0.0,
        head_on,
        vectors.vectors,
    )
    figures: dict[str, go.Figure] = state["figures"]  # type: ignore[assignment]
    full: torch.Tensor = state["full"]  # type: ignore[assignment]
    selected: torch.Tensor = state["selected"]  # type: ignore[assignment]

    if lesson.show(1):
        lesson.header(1)
        st.markdown(
            f"Q, K and V are {len(tokens)}×{d_out} matrices. Reshaping to ({len(tokens)}, {num_heads}, {head_dim}) and "
            f"swapping the first two axes gives every head its own {len(tokens)}×{head_dim} queries, keys and values; "
            + (
                "each head then runs exactly the causal attention of the previous page on its slice:"
                if causal
                else "each head then runs ordinary (unmasked) self-attention on its slice:"
            )
        )
        st.latex(
            r"\text{head}_h = \operatorname{softmax}\!\left(\frac{Q_h K_h^{\top}}{\sqrt{d_{\text{head}}}}"
            + (r" + M_{-\infty}" if causal else "")
            + rf"\right) V_h,\qquad d_{{\text{{head}}}} = d_{{\text{{out}}}} / h = {head_dim}"
        )
        if use_dropout:
            st.caption(
                f"Dropout is on: weights shown as in one training step (p = {rate:g}, "
                f"torch.manual_seed({DROPOUT_SEED})); kept weights are scaled by 1/(1 − p). The outputs below are "
                "without dropout, as at inference."
            )
        show_figure(figures["heads"], "mh_heads_fig")

    if lesson.show(2):
        lesson.header(2)
        off = [i + 1 for i, on in enumerate(head_on) if not on]
        if off:
            change = float((selected - full).abs().max())
            st.markdown(
                f"Head{'s' * (len(off) > 1)} {', '.join(map(str, off))} switched off: "
                f"{'their' if len(off) > 1 else 'its'} slice of the concatenation is zero, so only the other heads reach "
                f"the output projection. Largest change in the output: **{change:.4f}**."
                + (
                    " With every head off, only the projection's bias is left."
                    if len(off) == num_heads
                    else ""
                )
            )
        else:
            st.markdown(
                "All heads are on: the middle panel equals the left one. Switch a head off above to compare."
            )
        show_figure(figures["effect"], "mh_effect_fig")

    if lesson.show(3):
        lesson.header(3)
        st.markdown(
            "The whole computation as matrices for this sentence. Coloured frames mark each head's slice: it is cut "
            "out of Q (and K, V) in panel 1, comes back from its head in panel 2, and sits in the same columns of the "
            "concatenation in panel 3. The output projection `out_proj` (a d_out×d_out linear layer with bias) then "
            "lets every output dimension mix all heads."
        )
        st.code(
            "# split: (b, T, d_out) -> (b, T, h, hd) -> (b, h, T, hd)\n"
            "queries = queries.view(b, num_tokens, num_heads, head_dim).transpose(1, 2)\n"
            "# attend, every head at once: (b, h, T, T)\n"
            "attn_weights = torch.softmax(queries @ keys.transpose(2, 3) / head_dim**0.5, dim=-1)\n"
            "# concatenate: (b, h, T, hd) -> (b, T, h, hd) -> (b, T, d_out)\n"
            "context_vec = (attn_weights @ values).transpose(1, 2)\n"
            "context_vec = context_vec.contiguous().view(b, num_tokens, d_out)\n"
            "# project: (b, T, d_out)\n"
            "context_vec = self.out_proj(context_vec)",
            language="python",
        )
        show_figure(figures["pipeline"], "mh_pipeline_fig")

    if lesson.show(4):
        lesson.header(4)
        st.markdown(
            "The same weights, run through PyTorch's own attention. Differences around 1e-7 are float32 rounding."
        )
        checks: pd.DataFrame = state["checks"]  # type: ignore[assignment]
        st.dataframe(
            checks,
            width="stretch",
            hide_index=True,
            column_config={"largest difference": st.column_config.NumberColumn(format="%.2e")},
        )
        if bool((checks["within 1e-5"] == "yes").all()):
            st.success(
                "Every PyTorch reference gives the same result (within 1e-5).", icon=":material/check_circle:"
            )
        else:
            st.error(
                "A PyTorch reference disagrees: this is a bug, please report it.", icon=":material/error:"
            )
        if d_in != d_out:
            st.info(
                f"`nn.MultiheadAttention` maps vectors of one size to the same size, so it needs d_in = d_out. Set the "
                f"embedding size to {d_out} (or d_out to {d_in}) to add it to the check.",
                icon=":material/info:",
            )
        if vectors.source == "book" and d_out == 2 and num_heads == 2 and seed == BOOK_SEED and causal:
            st.markdown(
                "The book prints these context vectors for `MultiHeadAttention` (seed 123, two heads):"
            )
            st.code(BOOK_OUTPUT, language=None)
            st.markdown("This page computes:")
            st.code(_matrix_text(full), language=None)


multihead_ui()
