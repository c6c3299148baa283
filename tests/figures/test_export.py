"""Page exports: the offline HTML file and the matrices as CSV."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np

from attention_core import modules, stepwise
from attention_core.embeddings import BOOK_INPUTS, BOOK_TOKENS
from attention_core.figures.common import heatmap, weight_bars
from attention_core.figures.export import (
    ViewHeader,
    chart_config,
    handout_figure,
    heatmap_matrices,
    heatmap_panels,
    matrices_zip,
    page_html,
)
from attention_core.figures.grid import heatmap_grid, masked_heatmap

TOKENS = ["the", "cat", "<b>sat</b>"]


def _fig():
    z = np.arange(9, dtype=float).reshape(3, 3) / 10
    return z, heatmap(z, TOKENS, TOKENS, "weights")


def test_page_html_is_self_contained() -> None:
    _, fig = _fig()
    text = page_html(
        "Simplified <self>-attention", [("Weights", fig), ("Bars", weight_bars([0.2, 0.8], ["a", "b"]))]
    )
    assert "<script src=" not in text  # no CDN: plotly.js is inlined
    assert "<link" not in text  # no external stylesheet either
    assert "Plotly.newPlot" in text
    assert text.count("Plotly.newPlot") == 2
    assert len(text) > 1_000_000  # plotly.js itself is inside
    assert "Simplified &lt;self&gt;-attention" in text


def test_heatmap_matrices_read_labels_back() -> None:
    z, fig = _fig()
    [(rows, cols, matrix)] = heatmap_matrices(fig)
    assert rows == TOKENS and cols == TOKENS  # HTML escaping undone for the CSV
    assert np.array_equal(matrix, z)


def test_matrices_zip_holds_one_csv_per_heatmap() -> None:
    z, fig = _fig()
    data = matrices_zip([("weights_fig", fig), ("bars", weight_bars([0.5, 0.5], ["a", "b"]))])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == ["weights_fig.csv", "README.txt"]
        table = list(csv.reader(io.StringIO(zf.read("weights_fig.csv").decode())))
    assert table[0] == ["", *TOKENS]
    assert [row[0] for row in table[1:]] == TOKENS
    assert np.allclose(np.array([[float(v) for v in row[1:]] for row in table[1:]]), z)


def test_chart_config_exports_png_at_high_resolution() -> None:
    config = chart_config("weights", presenting=True)
    assert config["toImageButtonOptions"]["format"] == "png"
    assert (
        config["toImageButtonOptions"]["scale"]
        > chart_config("weights")["toImageButtonOptions"]["scale"]
        >= 2
    )


def _read_zip(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {
            name: list(csv.reader(io.StringIO(zf.read(name).decode())))
            for name in zf.namelist()
            if name.endswith(".csv")
        }


def _values(table: list[list[str]]) -> np.ndarray:
    return np.array([[float(v) for v in row[1:]] for row in table[1:]])


def _causal_grid():
    """The causal page's 'method 2' figure on the book's six tokens: -inf scores, then softmax."""
    inputs = BOOK_INPUTS.clone()  # (6, 3)
    attn_scores = inputs @ inputs.T  # (6, 6)
    masked_scores, attn_weights = stepwise.mask_before_softmax(attn_scores, d_k=3)
    future = modules.causal_mask(len(BOOK_TOKENS)).numpy()
    fig = heatmap_grid(
        [masked_scores, attn_weights],
        list(BOOK_TOKENS),
        list(BOOK_TOKENS),
        ["① scores with −∞ above the diagonal", "② softmax of Ω / √d_k"],
        hidden=[future, future],
        hidden_text=["−∞", "0"],
        max_cols=2,
    )
    return masked_scores, attn_weights, future, fig


def test_causal_grid_csv_holds_what_torch_prints() -> None:
    masked_scores, attn_weights, future, fig = _causal_grid()
    assert np.isnan(np.asarray(fig.data[1].z, dtype=float)[future]).all()  # the page shows no number there
    tables = _read_zip(matrices_zip([("method2", fig)]))
    # one file per value panel, named after the panel; the grey "hidden" overlays are not exported
    assert sorted(tables) == [
        "method2-1-scores-with-above-the-diagonal.csv",
        "method2-2-softmax-of-d-k.csv",
    ]
    scores = tables["method2-1-scores-with-above-the-diagonal.csv"]
    weights = tables["method2-2-softmax-of-d-k.csv"]
    for table in (scores, weights):  # the second panel has blank y ticks on the page; labels still there
        assert table[0] == ["", *BOOK_TOKENS]
        assert [row[0] for row in table[1:]] == list(BOOK_TOKENS)
    w = _values(weights)
    assert (w[future] == 0.0).all()  # torch prints 0. for masked weights after softmax
    assert np.allclose(w, attn_weights.numpy(), rtol=1e-7, atol=0)
    assert np.allclose(w.sum(axis=1), 1.0)
    s = _values(scores)
    assert np.isneginf(s[future]).all() and scores[1][2] == "-inf"
    assert np.allclose(s[~future], masked_scores.numpy()[~future], rtol=1e-7, atol=0)


def test_dropout_panel_exports_dropped_and_masked_cells_as_zero() -> None:
    _, attn_weights, future, _ = _causal_grid()
    dropped = stepwise.dropout_weights(attn_weights, 0.5, seed=123)
    dropped_cells = ((dropped == 0) & (attn_weights != 0)).numpy()
    assert dropped_cells.any()
    fig = heatmap_grid(
        [attn_weights, dropped],
        list(BOOK_TOKENS),
        list(BOOK_TOKENS),
        ["Before dropout", "After dropout (p = 0.5): kept × 2"],
        hidden=[future, dropped_cells | future],
        hidden_text=["0", np.where(dropped_cells, "drop", "0")],
        max_cols=2,
    )
    tables = _read_zip(matrices_zip([("dropout", fig)]))
    after = tables["dropout-after-dropout-p-0-5-kept-2.csv"]
    assert np.allclose(_values(after), dropped.numpy(), rtol=1e-7, atol=0)
    assert (_values(after)[dropped_cells | future] == 0.0).all()


def test_hidden_cells_without_one_value_are_empty_not_nan() -> None:
    z = np.arange(16, dtype=float).reshape(4, 4)
    hide = np.eye(4, dtype=bool)  # hides 0, 5, 10, 15: no single value stands for them
    fig = heatmap_grid([z, z], list("abcd"), list("abcd"), ["left", "right"], hidden=[hide, None])
    tables = _read_zip(matrices_zip([("grid", fig)]))
    left, right = tables["grid-left.csv"], tables["grid-right.csv"]
    assert [row[i + 1] for i, row in enumerate(left[1:])] == ["", "", "", ""]
    assert left[1][2] == "1" and "nan" not in "".join(",".join(r) for r in left)
    assert np.array_equal(_values(right), z)


def test_grid_panels_on_later_rows_keep_their_labels() -> None:
    heads = [np.full((3, 3), float(i)) for i in range(4)]
    fig = heatmap_grid(
        heads, ["x", "<y>", "x"], ["p", "q", "r"], [f"head {i + 1}" for i in range(4)], max_cols=2
    )
    panels = heatmap_panels(fig)
    assert [p.title for p in panels] == ["head 1", "head 2", "head 3", "head 4"]
    assert all(p.rows == ["x", "<y>", "x"] and p.cols == ["p", "q", "r"] for p in panels)
    assert [float(p.z[0, 0]) for p in panels] == [0.0, 1.0, 2.0, 3.0]


def test_same_panel_titles_get_distinct_file_names() -> None:
    fig = heatmap_grid([np.eye(2)] * 2, ["a", "b"], ["a", "b"], ["same", "same"])
    assert sorted(_read_zip(matrices_zip([("k", fig)]))) == ["k-same-2.csv", "k-same.csv"]


def test_masked_heatmap_exports_zero_weights_and_skips_its_overlay() -> None:
    weights = np.tril(np.full((3, 3), 0.5))
    fig = masked_heatmap(weights, TOKENS, TOKENS, np.triu(np.ones((3, 3), dtype=bool), 1), "masked")
    [panel] = heatmap_panels(fig)
    assert panel.rows == TOKENS and np.array_equal(panel.z, weights)


def test_handout_header_says_what_it_shows_as_text() -> None:
    _, fig = _fig()
    view = ViewHeader(
        "the <script>alert(1)</script> & cat",
        (("Number of heads <h>", "2"), ("Causal mask", "on")),
        "http://localhost:8501/multihead?text=a%3Cb%3E&q='x'",
    )
    text = page_html(
        "Multi-head", [("Step 1 · Heads", fig), ("Step 1 · Heads", fig), ("Step 2 · Mix", fig)], view=view
    )
    assert "<script>alert(1)</script>" not in text
    assert "the &lt;script&gt;alert(1)&lt;/script&gt; &amp; cat" in text
    assert "<td>Number of heads &lt;h&gt;</td><td>2</td>" in text
    assert "href='http://localhost:8501/multihead?text=a%3Cb%3E&amp;q=&#x27;x&#x27;'" in text
    assert text.count("<h2 class='section'>") == 2  # one heading per section, not per figure
    assert text.count("Plotly.newPlot") == 3


def test_handout_figure_makes_room_for_labels_on_a_copy() -> None:
    _, fig = _fig()
    out = handout_figure(fig)
    assert out.layout.xaxis.automargin is True and out.layout.yaxis.automargin is True
    assert fig.layout.xaxis.automargin is None  # the page's own figure is untouched
    assert list(out.layout.yaxis.ticktext) == list(fig.layout.yaxis.ticktext)
