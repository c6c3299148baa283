"""Figures of the translation pages: encoder animation (and its climax on c), alignment heatmap with outlines
beside the numbers, focus animation, curves, survival, the models drawn with their sizes, one worked step."""

from __future__ import annotations

import copy
import itertools
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core.figures.common import ACCENT
from attention_core.figures.translation import (
    DECIMALS,
    HOVER_DECIMALS,
    alignment_heatmap,
    architecture_diagram,
    cell_outlines,
    decoder_focus_animation,
    encoder_animation,
    fmt_value,
    length_curves,
    survival_heatmap,
    worked_step_figure,
)
from attention_core.translation import grammar as g
from attention_core.translation.analysis import architecture, worked_step
from attention_core.translation.models import (
    AttentionTranslator,
    BottleneckTranslator,
    TranslatorConfig,
    Vocab,
    translate_sentence,
)
from tests.support.plotly import decode, figure_dict

RNG = np.random.default_rng(0)


def _merge(dest: object, src: object) -> object:
    """plotly.js's frame merge (Plots.extendLayout): objects deeply, container arrays element by element.

    An element the frame does not mention keeps its old value, and a destination array longer than the
    frame's keeps its extra elements.
    """
    if isinstance(dest, dict) and isinstance(src, dict):
        out = dict(dest)
        for key, value in src.items():
            out[key] = _merge(out.get(key), value) if key in out else copy.deepcopy(value)
        return out
    if isinstance(dest, list) and isinstance(src, list) and all(isinstance(x, dict) for x in src):
        out = list(dest)
        for i, value in enumerate(src):
            out[i : i + 1] = [_merge(out[i], value)] if i < len(out) else [copy.deepcopy(value)]
        return out
    return copy.deepcopy(src)


def _animate(spec: dict, path: list[int]) -> dict:
    """The layout after the browser shows the frames in `path`, starting from the figure's own layout."""
    layout = {k: spec["layout"].get(k, []) for k in ("shapes", "annotations")}
    for t in path:
        frame_layout = spec["frames"][t]["layout"]
        layout = _merge(layout, {k: frame_layout[k] for k in ("shapes", "annotations")})
    return layout


def _frames(fig) -> list[dict]:
    spec = figure_dict(fig)
    for frame in spec.get("frames", []):
        for trace in frame["data"]:
            for key, value in list(trace.items()):
                trace[key] = decode(value)
    return spec["frames"]


def test_encoder_animation_reveals_one_column_per_token() -> None:
    tokens = ["the", "<b>cat</b>", "sleeps", "the"]
    states = np.tanh(RNG.normal(size=(4, 6)))
    fig = encoder_animation(states, tokens)
    heat = figure_dict(fig)["data"][0]
    assert np.allclose(
        np.asarray(heat["z"], dtype=float), states.T, atol=1e-6
    )  # (H, T), one column per token
    frames = _frames(fig)
    assert [f["name"] for f in frames] == ["t0", "t1", "t2", "t3"]
    for t, frame in enumerate(frames):
        assert np.allclose(frame["data"][0]["y"], states[t], atol=1e-6)  # bars: the state after token t
        shapes = frame["layout"]["shapes"]
        assert shapes[0]["x0"] == t - 0.5 and shapes[0]["x1"] == t + 0.5  # the current column is outlined
        assert shapes[1]["x0"] == t + 0.5 and shapes[1]["x1"] == 3.5  # unread columns are covered ...
        assert shapes[1]["visible"] is (t < 3)  # ... until the last token is read
    final_note = frames[-1]["layout"]["annotations"][-2]["text"]
    assert "only thing the decoder receives" in final_note
    assert frames[-1]["data"][0]["marker"]["color"] == ACCENT
    spec = figure_dict(fig)
    steps = spec["layout"]["sliders"][0]["steps"]
    assert [s["label"] for s in steps] == ["the", "&lt;b&gt;cat&lt;/b&gt;", "sleeps", "the"]
    assert spec["layout"]["sliders"][0]["active"] == 3  # opens on the final state
    labels = [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]]
    assert any("Play" in label for label in labels) and any("Pause" in label for label in labels)


def test_encoder_animation_rejects_mismatched_tokens() -> None:
    with pytest.raises(ValueError):
        encoder_animation(np.zeros((3, 4)), ["a", "b"])


def test_alignment_heatmap_exact_weights_and_rule_outline() -> None:
    weights = RNG.dirichlet(np.ones(5), size=3)  # (T_out, T_src), rows sum to 1
    fig = figure_dict(alignment_heatmap(weights, ["la", "zone", "<eos>"], list("abcde"), [0, 3, 9]))
    heat = next(t for t in fig["data"] if t["type"] == "heatmap")
    assert np.allclose(np.asarray(heat["z"], dtype=float), weights)
    assert "%{z:.6f}" in heat["hovertemplate"]
    assert heat["texttemplate"] == f"%{{z:.{DECIMALS}f}}"  # the page's number format in the cells
    outline = next(t for t in fig["data"] if t["type"] == "scatter")
    assert outline["mode"] == "lines"
    xs, ys = cell_outlines([(0, 0), (3, 1)])  # out-of-range index 9 dropped
    assert list(outline["x"]) == xs and list(outline["y"]) == ys
    assert list(fig["layout"]["yaxis"]["ticktext"]) == ["la", "zone", "&lt;eos&gt;"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 39), st.integers(0, 45)), min_size=1, max_size=40))
def test_rule_outlines_run_along_cell_borders_not_over_the_numbers(cells: list[tuple[int, int]]) -> None:
    """Each outline is a closed path inside its own cell, at least 0.4 of a cell from the centre on one axis,
    so it never crosses the number written in the middle of the cell."""
    xs, ys = cell_outlines(cells)
    paths = []
    current: list[tuple[float, float]] = []
    for x, y in zip(xs, ys, strict=True):
        if x is None:
            paths.append(current)
            current = []
        else:
            current.append((x, y))
    assert len(paths) == len(cells)
    for (col, row), path in zip(cells, paths, strict=True):
        assert path[0] == path[-1]  # closed
        for (x0, y0), (x1, y1) in itertools.pairwise(path):
            assert max(abs(x0 - col), abs(y0 - row), abs(x1 - col), abs(y1 - row)) <= 0.5  # inside the cell
            if x0 == x1:  # a vertical edge: far from the centre horizontally
                assert abs(x0 - col) >= 0.4
            else:  # a horizontal edge
                assert y0 == y1 and abs(y0 - row) >= 0.4


def test_decoder_focus_animation_one_frame_per_output_token() -> None:
    weights = RNG.dirichlet(np.ones(4), size=3)
    frames = _frames(
        decoder_focus_animation(weights, ["le", "chat", "dort"], ["the", "cat", "sleeps", "now"])
    )
    assert len(frames) == 3
    for i, frame in enumerate(frames):
        bars = frame["data"][0]
        assert np.allclose(bars["y"], weights[i])
        focus = np.asarray(decode(bars["marker"]["color"]))
        assert focus.sum() == 1 and focus[int(np.argmax(weights[i]))] == 1  # one bar in the accent colour
        note = frame["layout"]["annotations"][0]["text"]
        assert f"Step {i + 1} of 3" in note
        assert f"weight {fmt_value(weights[i].max())}" in note  # the same number format as the heatmap
        assert [t for t in bars["text"] if t] == [fmt_value(v) for v in weights[i] if v >= 0.05]
    with pytest.raises(ValueError):
        decoder_focus_animation(weights, ["le"], ["the", "cat", "sleeps", "now"])


def test_length_curves_plot_each_model_sorted() -> None:
    curves = {"bottleneck": {10: 0.5, 3: 0.9}, "attention": {3: 1.0, 10: 0.98}}
    fig = figure_dict(length_curves(curves, mark_length=7, counts={3: 30, 10: 30}))
    lines = [t for t in fig["data"] if t["type"] == "scatter"]
    assert [list(t["x"]) for t in lines] == [[3, 10], [3, 10]]
    assert list(lines[0]["y"]) == [0.9, 0.5] and list(lines[1]["y"]) == [1.0, 0.98]
    assert any(s.get("x0") == 7 for s in fig["layout"]["shapes"])


def test_survival_heatmap_keeps_missing_positions_empty() -> None:
    survival = np.array([[1.0, 0.5, np.nan], [0.2, 0.4, 0.6]])
    fig = figure_dict(survival_heatmap(survival, ["3–5", "6–10"]))
    z = np.asarray(fig["data"][0]["z"], dtype=float)
    assert np.isnan(z[0, 2]) and np.allclose(z[1], [0.2, 0.4, 0.6])


@settings(max_examples=15, deadline=None)
@given(
    n_tokens=st.integers(1, 24),
    path=st.lists(st.integers(0, 23), min_size=1, max_size=8),
)
def test_the_final_frame_shows_c_highlighted_whatever_came_before(n_tokens: int, path: list[int]) -> None:
    """Play, the slider or any mix of them: each frame looks the same whichever frames came before it, and the
    last one shows c, outlined in the accent colour and named, with nothing covering it."""
    states = np.tanh(RNG.normal(size=(n_tokens, 3)))
    spec = figure_dict(encoder_animation(states, [f"w{i}" for i in range(n_tokens)]))
    frames = spec["frames"]
    path = [t % n_tokens for t in path] + [n_tokens - 1]  # ... and Play (or the slider) ends on the last word
    layout = _animate(spec, path)
    last = frames[-1]["layout"]
    assert layout["shapes"] == last["shapes"] and layout["annotations"] == last["annotations"]
    for t in set(path):  # every frame reached after any history equals the frame itself
        assert _animate(spec, [*path, t]) == {k: frames[t]["layout"][k] for k in ("shapes", "annotations")}
    c = n_tokens - 1
    covering = [
        s
        for s in layout["shapes"]
        if s.get("visible", True)
        and s.get("fillcolor") not in (None, "rgba(0, 0, 0, 0)")
        and s["x0"] < c < s["x1"]
    ]
    assert covering == []  # no grey curtain over c
    box = layout["shapes"][0]
    assert (box["x0"], box["x1"]) == (c - 0.5, c + 0.5)
    assert box["line"]["color"] == ACCENT and box["line"]["width"] >= 4
    label = next(a for a in layout["annotations"] if a["text"] == "<b>c</b>")
    assert label["visible"] is True and label["x"] == c
    assert "only thing the decoder receives" in layout["annotations"][-2]["text"]
    # the figure as first drawn (before any Play) is the last frame too
    assert {k: spec["layout"][k] for k in ("shapes", "annotations")} == {
        k: last[k] for k in ("shapes", "annotations")
    }


def test_the_old_merge_problem_is_what_the_helper_models() -> None:
    """The merge helper really keeps a stale element: a frame with fewer shapes leaves the others in place."""
    spec = {"layout": {"shapes": [{"a": 1}], "annotations": []}, "frames": []}
    spec["frames"] = [
        {"layout": {"shapes": [{"a": 2}, {"curtain": True}], "annotations": []}},
        {"layout": {"shapes": [{"a": 3}], "annotations": []}},
    ]
    assert _animate(spec, [0, 1])["shapes"] == [{"a": 3}, {"curtain": True}]


def _tiny(cls: type, src: int, tgt: int, emb: int, hidden: int, attn: int, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return cls(TranslatorConfig(src, tgt, emb, hidden, attn)).eval()


@settings(max_examples=12, deadline=None)
@given(
    kind=st.sampled_from(["bottleneck", "attention"]),
    src=st.integers(8, 300),
    tgt=st.integers(8, 600),
    emb=st.integers(2, 40),
    hidden=st.integers(2, 70),
    attn=st.integers(2, 70),
)
def test_architecture_diagram_shows_the_models_own_sizes(
    kind: str, src: int, tgt: int, emb: int, hidden: int, attn: int
) -> None:
    cls = AttentionTranslator if kind == "attention" else BottleneckTranslator
    model = _tiny(cls, src, tgt, emb, hidden, attn)
    arch = architecture(model)
    assert (arch.src_vocab, arch.tgt_vocab, arch.emb_dim, arch.encoder_hidden) == (src, tgt, emb, hidden)
    assert arch.bidirectional is (kind == "attention")
    assert arch.annotation_dim == hidden * (2 if kind == "attention" else 1)
    assert arch.attn_dim == (attn if kind == "attention" else None)
    assert arch.parameters == sum(p.numel() for p in model.parameters())
    fig = figure_dict(architecture_diagram(arch))
    texts = [a["text"] for a in fig["layout"]["annotations"]]
    for expected in (f"{src} known", f"{emb} per word", f"s: {hidden}", f"→ {tgt} French"):
        assert expected in texts
    boxes = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    assert len(boxes) == (7 if kind == "attention" else 6)
    if kind == "attention":
        assert (
            f"T × {2 * hidden}" in texts
            and f"layer of {attn}" in texts
            and f"{hidden} → + {hidden} ←" in texts
        )
    else:
        assert f"{hidden}, once" in texts and "the only link" in texts
    hovers = fig["data"][0]["hovertext"]
    assert any(f"{arch.blocks[-1].parameters:,} learned numbers" in h for h in hovers)


def test_worked_step_figure_carries_every_number() -> None:
    src, tgt = Vocab(list(g.SOURCE_WORDS)), Vocab(list(g.TARGET_WORDS))
    model = _tiny(AttentionTranslator, len(src), len(tgt), 8, 12, 10, seed=3)
    tokens = ["the", "cat", "sat", "on", "the", "mat", "because", "it", "is", "warm"]
    step = worked_step(model, src, tgt, translate_sentence(model, src, tgt, tokens), 1)
    fig = figure_dict(worked_step_figure(step, "t"))
    heats = [t for t in fig["data"] if t["type"] == "heatmap"]
    z = [np.asarray(t["z"], dtype=float) for t in heats]
    assert np.allclose(z[0], step.hidden) and np.allclose(z[3], step.weighted)
    assert np.allclose(z[1][:, 0], step.scores) and np.allclose(z[2][:, 0], step.weights)
    assert np.allclose(z[4], np.stack([step.query_proj, step.v])) and np.allclose(z[5][0], step.context)
    assert [row[0] for row in heats[1]["text"]] == [fmt_value(e) for e in step.scores]  # e_j in the cells
    assert [row[0] for row in heats[2]["text"]] == [fmt_value(a) for a in step.weights]  # α_j in the cells
    for trace in heats:  # every number hoverable, exact
        assert f":.{HOVER_DECIMALS}f}}" in trace["hovertemplate"]
    assert f"{step.exp_scores.sum():.{HOVER_DECIMALS}f}" in heats[2]["hovertemplate"]  # the softmax sum
    assert list(heats[0]["y"]) == [f"{j + 1} · {w}" for j, w in enumerate(tokens)]
    assert re.search(r"U h<sub>j</sub> \+ b", heats[0]["hovertemplate"])
