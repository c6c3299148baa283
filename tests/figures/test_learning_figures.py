"""Figures of the learn page: one frame per snapshot, a scrubber over the steps, the data of each frame."""

from __future__ import annotations

import numpy as np
import pytest

from attention_core.figures import learning as fl
from attention_core.learning.replay import curve_series, induction_replay, subject_replay
from attention_core.learning.shipped import load_shipped
from tests.support.plotly import figure_dict


@pytest.fixture(scope="module")
def replay():
    return subject_replay(load_shipped("subject-pos"), 0)


def test_verb_row_animation_has_a_frame_per_snapshot_with_that_steps_row(replay) -> None:
    fig = fl.verb_row_animation(
        replay.verb_rows,
        replay.tokens,
        replay.subject_pos,
        replay.steps,
        replay.held_out_acc,
        replay.predicted,
    )
    assert [f.name for f in fig.frames] == [f"step {s}" for s in replay.steps]
    slider = fig.layout.sliders[0]
    assert [s.label for s in slider.steps] == [str(s) for s in replay.steps]
    assert slider.active == len(replay.steps) - 1  # opens on the last step
    for i in (0, len(replay.steps) // 2, -1):
        assert np.allclose(fig.frames[i].data[0].y, replay.verb_rows[i, 0], atol=1e-6)
    assert "largest weight is on the subject" in fig.frames[-1].layout.title.text
    assert "not the subject" in fig.frames[0].layout.title.text  # flat at step 0: the argmax is elsewhere
    shape = fig.layout.shapes[0]
    assert shape.x0 < replay.subject_pos < shape.x1  # the subject's slot is marked
    buttons = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("Play" in b for b in buttons)


def test_head_animation_frames_hold_the_weights_and_both_projections(replay) -> None:
    fig = fl.head_animation(replay.attn_weights, replay.W_query, replay.W_key, replay.tokens, replay.steps)
    last = fig.frames[-1].data
    T = len(replay.tokens)
    weights = np.asarray(last[0].z, dtype=float)
    assert weights.shape == (T, T) and np.isnan(weights[np.triu_indices(T, 1)]).all()  # the future blank
    assert np.allclose(np.nan_to_num(weights), np.tril(replay.attn_weights[-1, 0]), atol=1e-6)
    assert np.allclose(last[1].z, replay.W_query[-1], atol=1e-6) and np.allclose(
        last[2].z, replay.W_key[-1], atol=1e-6
    )
    spec = figure_dict(fig)
    assert spec["data"][1]["zmin"] == -spec["data"][1]["zmax"]  # a symmetric scale for signed weights


def test_labels_are_escaped() -> None:
    rows = np.full((1, 1, 2), 0.5)
    fig = fl.verb_row_animation(rows, ["<b>x</b>", "jumped"], 0, [0], [0.5], ["cat"])
    assert "<b>" not in fig.layout.xaxis.ticktext[0]


def test_induction_maps_and_scores() -> None:
    run = load_shipped("induction-pos")
    r = induction_replay(run)
    fig = fl.head_maps_animation(r.maps, r.tokens, r.steps, r.half)
    n_layers, n_heads = r.maps.shape[1:3]
    assert len(fig.data) == n_layers * n_heads and len(fig.frames) == len(r.steps)
    assert np.allclose(
        np.nan_to_num(np.asarray(fig.frames[-1].data[-1].z, float)), r.maps[-1, -1, -1], atol=1e-6
    )
    scores = fl.head_scores(r.log_steps, r.prev_score, r.induction_score, 0.5, r.phase_step)
    assert len(scores.data) == 2 * n_layers * n_heads
    assert any(s.x0 == r.phase_step for s in scores.layout.shapes if s.type == "line" and s.x0 == s.x1)
    series = curve_series(run)
    curves = fl.curves(series.steps, series.top, series.bottom, marker_step=r.phase_step, marker_text="phase")
    assert [t.name for t in curves.data] == [*series.top, *series.bottom]
