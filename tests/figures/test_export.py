"""Page exports: the offline HTML file and the matrices as CSV."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np

from attention_core.figures.common import heatmap, weight_bars
from attention_core.figures.export import chart_config, heatmap_matrices, matrices_zip, page_html

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
        assert zf.namelist() == ["weights_fig.csv"]
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
