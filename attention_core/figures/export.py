"""Page exports: one self-contained offline HTML file of a page's figures, and its matrices as CSV."""

from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from attention_core.figures.frozen import FrozenFigure

PNG_SCALE = 2  # toolbar PNGs at twice the on-screen size (about 1800 px wide for a full-width chart)


def chart_config(filename: str, presenting: bool = False) -> dict:
    """Plotly config for the chart toolbar: PNG export at presentation resolution, no logo."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": PNG_SCALE + presenting},
    }


@dataclass(frozen=True)
class ViewHeader:
    """What a handout says at its top: which sentence and settings it shows, and the link that reopens it."""

    sentence: str
    settings: tuple[tuple[str, str], ...] = ()  # (human name, value as the page shows it)
    link: str = ""


_HANDOUT_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1f2937}"
    "h1{margin-bottom:.2rem}h2{margin:2rem 0 .4rem;font-size:1.3rem;border-bottom:1px solid #e5e7eb}"
    ".note{color:#64748b}.fig{margin:1rem 0}"
    ".view{background:#f8fafc;border:1px solid #e2e8f0;border-radius:.5rem;padding:.8rem 1rem}"
    ".sentence{font-size:1.1rem;white-space:pre-wrap;overflow-wrap:anywhere}"
    ".settings{border-collapse:collapse;margin:.4rem 0}.settings td{padding:.15rem 1.2rem .15rem 0}"
    ".settings td:first-child{color:#475569}.link{overflow-wrap:anywhere;font-family:monospace}"
)


def handout_figure(figure: go.Figure) -> go.Figure:
    """A copy of a page figure laid out for the file: every axis makes room for its tick labels and title."""
    fig = go.Figure(figure)
    fig.update_layout(template="plotly_white")
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def _view_header(view: ViewHeader) -> list[str]:
    """The handout's top box: the sentence, the settings table and the share link (all escaped text)."""
    parts = [
        "<div class='view' id='view'>",
        f"<p><b>Sentence</b></p><p class='sentence' id='sentence'>{html.escape(view.sentence)}</p>",
    ]
    if view.settings:
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{html.escape(value)}</td></tr>"
            for name, value in view.settings
        )
        parts.append(f"<p><b>Settings</b></p><table class='settings' id='settings'>{rows}</table>")
    if view.link:
        href = html.escape(view.link, quote=True)
        parts.append(
            f"<p><b>Link to this view</b>: <a class='link' id='link' href='{href}'>{html.escape(view.link)}</a></p>"
        )
    parts.append("</div>")
    return parts


def page_html(
    page_title: str,
    figures: Sequence[tuple[str, go.Figure]],
    notes: Sequence[str] = (),
    view: ViewHeader | None = None,
) -> str:
    """A single HTML file holding every figure with plotly.js inlined once (opens offline, no CDN).

    `figures` are (section title, figure) in page order; consecutive figures of one section share its
    heading. `view`, when given, heads the file with the sentence, the settings and the share link.
    """
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(page_title)} · Attention Explorer</title>",
        f"<style>{_HANDOUT_CSS}</style>",
        f"<script type='text/javascript'>{get_plotlyjs()}</script>",
        "</head><body>",
        f"<h1 id='page-title'>{html.escape(page_title)}</h1>",
        f"<p class='note'>Exported from Attention Explorer on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>",
    ]
    if view is not None:
        parts += _view_header(view)
    parts += [f"<p class='note'>{html.escape(note)}</p>" for note in notes]
    previous: str | None = None
    for title, fig in figures:
        if title != previous:
            parts.append(f"<h2 class='section'>{html.escape(title)}</h2>")
            previous = title
        parts.append("<div class='fig'>")
        parts.append(
            pio.to_html(
                handout_figure(fig), include_plotlyjs=False, full_html=False, config={"displaylogo": False}
            )
        )
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def figure_title(figure: go.Figure | FrozenFigure) -> str:
    """A figure's own title as plain text ('' when it has none)."""
    return _plain(figure.title if isinstance(figure, FrozenFigure) else figure.layout.title.text)


@dataclass(frozen=True)
class Panel:
    """One heatmap panel of a figure, ready for CSV: its title, labels and values (NaN = no value shown)."""

    title: str
    rows: list[str]
    cols: list[str]
    z: np.ndarray


def _is_overlay(trace: go.Heatmap) -> bool:
    """Grey overlays (masked/dropped cells) carry no values: named "hidden", or one flat colour."""
    if trace.name == "hidden":
        return True
    scale = trace.colorscale
    return bool(scale) and len({str(c[1]).lower() for c in scale}) == 1


def _plain(text: object) -> str:
    """Plotly label text as plain text: tags dropped (<br> as a space), HTML entities undone."""
    text = re.sub(r"<br\s*/?>", " ", str(text or ""), flags=re.IGNORECASE)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def _labels(trace: go.Heatmap, axis: object, size: int, which: int) -> list[str]:
    """Row (which=0) or column (which=1) labels: the trace's per-cell customdata, else the axis ticks."""
    if trace.customdata is not None:
        custom = np.asarray(trace.customdata, dtype=object)
        if custom.ndim == 3 and custom.shape[2] >= 2 and custom.shape[which] == size:
            line = custom[:, 0, 0] if which == 0 else custom[0, :, 1]
            return [html.unescape(str(t)) for t in line]
    ticks = getattr(axis, "ticktext", None)
    if ticks and len(ticks) == size and any(str(t) for t in ticks):
        return [html.unescape(str(t)) for t in ticks]
    return [str(i) for i in range(size)]


def heatmap_panels(figure: go.Figure) -> list[Panel]:
    """Every value heatmap of a figure with its own labels and title (grey "hidden" overlays skipped).

    Cells a panel greys out are NaN in the figure; where the builder recorded the value they stand for
    (`meta["masked_value"]`: 0 for masked or dropped weights, -inf for masked scores, what PyTorch holds)
    that value is put back; otherwise they stay NaN (an empty CSV cell).
    """
    found: list[Panel] = []
    layout = figure.layout
    titles = [_plain(a.text) for a in (layout.annotations or ())]
    for trace in figure.data:
        if trace.type != "heatmap" or trace.z is None or _is_overlay(trace):
            continue
        z = np.array(trace.z, dtype=float)
        xaxis = layout[("xaxis" + trace.xaxis[1:]) if trace.xaxis else "xaxis"]
        yaxis = layout[("yaxis" + trace.yaxis[1:]) if trace.yaxis else "yaxis"]
        meta = trace.meta if isinstance(trace.meta, dict) else {}
        masked_value = meta.get("masked_value")
        if masked_value is not None:
            z[np.isnan(z)] = float(masked_value)
        title = _plain(meta.get("title") or trace.name or (layout.title.text if len(found) == 0 else ""))
        if not title and len(titles) > len(found):
            title = titles[len(found)]
        rows = _labels(trace, yaxis, z.shape[0], 0)
        cols = _labels(trace, xaxis, z.shape[1], 1)
        found.append(Panel(title, rows, cols, z))
    return found


def heatmap_matrices(figure: go.Figure) -> list[tuple[list[str], list[str], np.ndarray]]:
    """(row labels, column labels, matrix) of every value heatmap in a figure (see heatmap_panels)."""
    return [(p.rows, p.cols, p.z) for p in heatmap_panels(figure)]


def matrix_csv(rows: Sequence[str], cols: Sequence[str], z: np.ndarray) -> str:
    """One matrix as CSV with a header row of column labels and a label column; NaN as an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["", *cols])
    for label, values in zip(rows, z, strict=True):
        writer.writerow([label, *("" if np.isnan(v) else f"{v:.8g}" for v in values)])
    return out.getvalue()


def _slug(text: str, max_len: int = 48) -> str:
    """A file-name-safe ASCII version of a panel title ("① softmax, then zero" -> "1-softmax-then-zero")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))[:max_len].strip("-")


CSV_README = """Matrices exported from Attention Explorer, one CSV per heatmap panel.

Each file is named after the figure and, for figures with several panels, the panel's title.
The first row holds the column labels (keys or dimensions), the first column the row labels (queries or tokens).

Masked cells (greyed out on the page) hold the value the tensor holds, as PyTorch prints it:
0 for attention weights after a causal mask or dropout, -inf for masked scores before softmax.
An empty cell is a cell the page does not show a value for (and no single value stands for it).
"""


def matrices_zip(figures: Sequence[tuple[str, go.Figure]]) -> bytes:
    """Every heatmap matrix of a page as CSV files in one zip, named `<figure key>[-<panel title>].csv`."""
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for key, fig in figures:
            panels = heatmap_panels(fig)
            for i, panel in enumerate(panels):
                stem = key if len(panels) == 1 else f"{key}-{_slug(panel.title) or i + 1}"
                name, n = f"{stem}.csv", 2
                while name in used:
                    name, n = f"{stem}-{n}.csv", n + 1
                used.add(name)
                zf.writestr(name, matrix_csv(panel.rows, panel.cols, panel.z))
        if used:
            zf.writestr("README.txt", CSV_README)
    return buffer.getvalue()
