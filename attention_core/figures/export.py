"""Page exports: one self-contained offline HTML file of a page's figures, and its matrices as CSV."""

from __future__ import annotations

import csv
import html
import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

PNG_SCALE = 2  # toolbar PNGs at twice the on-screen size (about 1800 px wide for a full-width chart)


def chart_config(filename: str, presenting: bool = False) -> dict:
    """Plotly config for the chart toolbar: PNG export at presentation resolution, no logo."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": PNG_SCALE + presenting},
    }


def page_html(page_title: str, figures: Sequence[tuple[str, go.Figure]], notes: Sequence[str] = ()) -> str:
    """A single HTML file holding every figure with plotly.js inlined once (opens offline, no CDN)."""
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(page_title)} · Attention Explorer</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2937}"
        "h1{margin-bottom:.2rem}.note{color:#64748b}.fig{margin:1.5rem 0}</style>",
        f"<script type='text/javascript'>{get_plotlyjs()}</script>",
        "</head><body>",
        f"<h1>{html.escape(page_title)}</h1>",
        f"<p class='note'>Exported from Attention Explorer on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>",
    ]
    parts += [f"<p class='note'>{html.escape(note)}</p>" for note in notes]
    for title, fig in figures:
        parts.append(f"<div class='fig'><h2>{html.escape(title)}</h2>")
        parts.append(pio.to_html(fig, include_plotlyjs=False, full_html=False, config={"displaylogo": False}))
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def heatmap_matrices(figure: go.Figure) -> list[tuple[list[str], list[str], np.ndarray]]:
    """(row labels, column labels, matrix) of every heatmap in a figure, labels read from the axes."""
    found = []
    layout = figure.layout
    for trace in figure.data:
        if trace.type != "heatmap" or trace.z is None:
            continue
        z = np.asarray(trace.z, dtype=float)
        xaxis = layout[("xaxis" + trace.xaxis[1:]) if trace.xaxis else "xaxis"]
        yaxis = layout[("yaxis" + trace.yaxis[1:]) if trace.yaxis else "yaxis"]
        cols = [html.unescape(str(t)) for t in (xaxis.ticktext or range(z.shape[1]))]
        rows = [html.unescape(str(t)) for t in (yaxis.ticktext or range(z.shape[0]))]
        if len(cols) != z.shape[1] or len(rows) != z.shape[0]:
            cols, rows = [str(i) for i in range(z.shape[1])], [str(i) for i in range(z.shape[0])]
        found.append((rows, cols, z))
    return found


def matrix_csv(rows: Sequence[str], cols: Sequence[str], z: np.ndarray) -> str:
    """One matrix as CSV with a header row of column labels and a label column."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["", *cols])
    for label, values in zip(rows, z, strict=True):
        writer.writerow([label, *(f"{v:.8g}" for v in values)])
    return out.getvalue()


def matrices_zip(figures: Sequence[tuple[str, go.Figure]]) -> bytes:
    """Every heatmap matrix of a page as CSV files in one zip (named after the figure keys)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for key, fig in figures:
            for i, (rows, cols, z) in enumerate(heatmap_matrices(fig)):
                suffix = f"-{i + 1}" if i else ""
                zf.writestr(f"{key}{suffix}.csv", matrix_csv(rows, cols, z))
    return buffer.getvalue()
