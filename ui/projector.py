"""Fitting a figure to a projector (presentation mode at 1280x720): pure functions over a Plotly figure.

`cell_plan` decides how the numbers written in heatmap cells are shown at the drawn width: at 16 px if they fit
inside their cells, else at 14 px, else (a figure of several panels) one panel at a time, else not at all (hover
shows them). The cell size is estimated from the figure's width, margins and each panel's domain; a number's
width from its characters (about 0.6 em each). `single_panel` cuts one panel out of a figure of several;
`open_row_gaps` leaves room between stacked subplots for the upper one's tick labels and the lower one's title;
`readable_ticks` keeps tick labels at least 16 px and thins long numeric tick lists.

No Streamlit here: ui.figures applies these when it places a figure in presentation mode.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

# The stage's figure column at 1280 px (ui/present.py, ui/lesson.py): html font 18 px, the main block's side
# padding 3.4 rem + 2.6 rem, columns [1, 2] with a 1.5 rem ("medium") gap: (1280 - 6·18 - 27) · 2/3 px.
VIEWPORT_PX = 1280
REM_PX = 18
MAIN_WIDTH_PX = VIEWPORT_PX - round((3.4 + 2.6) * REM_PX)  # 1172: the main block's content width
FIGURE_COLUMN_PX = int((MAIN_WIDTH_PX - 1.5 * REM_PX) * 2 / 3)  # 763
CELL_FONTS = (16, 14)  # px, tried in this order (14 is the least readable from the back of a room)
MIN_TICK_FONT = 16  # px, tick labels in presentation mode (>= 14 px asked for)
CHAR_EM = 0.6  # a digit's advance, in em (Source Sans / Open Sans digits are 0.5-0.57 em)
CELL_PAD_PX = 4  # left free inside a cell around its number
LINE_EM = 1.25  # a line of text's height, in em
TICK_FONT_PX = 18  # the figure font in presentation mode (ui.figures.PRESENT_FONT)
COLORBAR_PX = 90  # a colour bar with its ticks and title, at the right of the plot area
AXIS_TITLE_PX = 30  # an axis title beside its tick labels
MAX_TICKS = 16  # more numeric tick labels than this are thinned to every 2nd or 5th


@dataclass(frozen=True)
class Panel:
    """One subplot holding heatmap traces: its axes, the traces' indices and the widest cell text (chars)."""

    xaxis: str  # "x", "x2", ...
    yaxis: str
    traces: tuple[int, ...]
    n_rows: int
    n_cols: int
    chars: int  # the longest text written in a cell (0: the panel writes no numbers)
    lines: int  # lines of text in a cell


@dataclass(frozen=True)
class CellPlan:
    """How cell numbers are shown: `font` px (None: hidden, hover shows them); `split`: one panel at a time."""

    font: int | None
    split: bool = False

    @property
    def hidden(self) -> bool:
        return self.font is None


_Z_FORMAT = re.compile(r"%\{z(?::([^}]*))?\}")


def _axis_name(ref: str | None, letter: str) -> str:
    return ref or letter


def _layout_axis(fig: go.Figure, name: str) -> Any:
    """The layout axis object for a trace reference ("x2" -> layout.xaxis2)."""
    return fig.layout[name[0] + "axis" + name[1:]]


def _cell_text(trace: Any) -> tuple[int, int]:
    """(chars of the widest cell text, lines) a heatmap trace writes in its cells; (0, 0) if none."""
    template = getattr(trace, "texttemplate", None)
    text = getattr(trace, "text", None)
    if not template:
        return 0, 0
    texts: list[str] = []
    z = np.asarray(trace.z, dtype=float) if trace.z is not None else np.zeros((0, 0))
    match = _Z_FORMAT.search(template)
    if match:
        spec = match.group(1) or ".3g"
        spec = spec.lstrip(":")
        finite = z[np.isfinite(z)]
        texts = (
            [format(float(v), spec) for v in (finite.min(initial=0), finite.max(initial=0))]
            if finite.size
            else []
        )
        texts = [_Z_FORMAT.sub(t, template) for t in texts]
    elif "%{text}" in template and text is not None:
        flat = np.asarray(text, dtype=object).ravel()
        texts = [template.replace("%{text}", str(t)) for t in flat if t is not None and str(t) != ""]
    texts = [re.sub(r"<br\s*/?>", "\n", t) for t in texts]
    texts = [re.sub(r"<[^>]+>", "", t) for t in texts]
    if not texts:
        return 0, 0
    return max(len(line) for t in texts for line in t.split("\n")), max(t.count("\n") + 1 for t in texts)


def heatmap_panels(fig: go.Figure) -> list[Panel]:
    """The figure's subplots that hold heatmaps, in trace order (several traces on one pair of axes: one panel)."""
    order: list[tuple[str, str]] = []
    found: dict[tuple[str, str], dict] = {}
    for i, trace in enumerate(fig.data):
        if trace.type != "heatmap" or trace.z is None:
            continue
        axes = (_axis_name(trace.xaxis, "x"), _axis_name(trace.yaxis, "y"))
        z = np.asarray(trace.z, dtype=object)
        shape = z.shape if z.ndim == 2 else (len(z), 1)
        chars, lines = _cell_text(trace)
        if axes not in found:
            order.append(axes)
            found[axes] = {"traces": [], "rows": shape[0], "cols": shape[1], "chars": 0, "lines": 0}
        entry = found[axes]
        entry["traces"].append(i)
        entry["chars"] = max(entry["chars"], chars)
        entry["lines"] = max(entry["lines"], lines)
    return [
        Panel(
            x,
            y,
            tuple(found[(x, y)]["traces"]),
            found[(x, y)]["rows"],
            found[(x, y)]["cols"],
            found[(x, y)]["chars"],
            found[(x, y)]["lines"],
        )
        for x, y in order
    ]


def _domain(axis: Any) -> tuple[float, float]:
    domain = getattr(axis, "domain", None)
    return (float(domain[0]), float(domain[1])) if domain else (0.0, 1.0)


def _tick_label_px(axis: Any) -> float:
    """Width of an axis's widest tick label at the presentation font (its tick text, else 4 characters)."""
    ticks = getattr(axis, "ticktext", None)
    chars = max((len(str(t)) for t in ticks), default=0) if ticks else 4
    return chars * CHAR_EM * TICK_FONT_PX + 8


def plot_area(fig: go.Figure, width_px: float) -> tuple[float, float]:
    """(width, height) in px of the plot area (where the domains live) of `fig` drawn `width_px` wide."""
    margin = fig.layout.margin
    left = margin.l if margin.l is not None else 80
    right = margin.r if margin.r is not None else 80
    top = margin.t if margin.t is not None else 100
    bottom = margin.b if margin.b is not None else 80
    panels = heatmap_panels(fig)
    # automargin: the left-most y axis's tick labels and title, the lowest x axis's, a colour bar on the right
    y_axes = [_layout_axis(fig, p.yaxis) for p in panels] or [fig.layout.yaxis]
    x_axes = [_layout_axis(fig, p.xaxis) for p in panels] or [fig.layout.xaxis]
    left = max(left, max(_tick_label_px(a) for a in y_axes) + AXIS_TITLE_PX)
    if any(_shows_scale(fig.data[i]) for p in panels for i in p.traces):
        right = max(right, COLORBAR_PX)
    angled = any(abs(getattr(a, "tickangle", 0) or 0) > 10 for a in x_axes)
    x_label = max(_tick_label_px(a) for a in x_axes) * (0.75 if angled else 0) + TICK_FONT_PX * 1.4
    bottom = max(bottom, x_label + AXIS_TITLE_PX)
    height = float(fig.layout.height or 450)
    return max(width_px - left - right, 1.0), max(height - top - bottom, 1.0)


def _shows_scale(trace: Any) -> bool:
    return getattr(trace, "showscale", None) is not False and getattr(trace, "coloraxis", None) is None


def cell_px(fig: go.Figure, panel: Panel, width_px: float, whole: bool = False) -> tuple[float, float]:
    """(width, height) px of one cell of `panel`; `whole`: as if the panel alone filled the plot area."""
    plot_w, plot_h = plot_area(fig, width_px)
    x0, x1 = (0.0, 1.0) if whole else _domain(_layout_axis(fig, panel.xaxis))
    y0, y1 = (0.0, 1.0) if whole else _domain(_layout_axis(fig, panel.yaxis))
    return plot_w * (x1 - x0) / max(panel.n_cols, 1), plot_h * (y1 - y0) / max(panel.n_rows, 1)


def text_fits(panel: Panel, cell: tuple[float, float], font: int) -> bool:
    """Whether the panel's widest cell text at `font` px fits inside a cell of `cell` px."""
    if panel.chars == 0:
        return True
    width = panel.chars * CHAR_EM * font + CELL_PAD_PX
    height = panel.lines * LINE_EM * font
    return width <= cell[0] and height <= cell[1]


def cell_plan(fig: go.Figure, width_px: float = FIGURE_COLUMN_PX) -> CellPlan | None:
    """How to show the cell numbers of `fig` drawn `width_px` wide (None: it writes no numbers in cells)."""
    panels = [p for p in heatmap_panels(fig) if p.chars]
    if not panels:
        return None
    for font in CELL_FONTS:
        if all(text_fits(p, cell_px(fig, p, width_px), font) for p in panels):
            return CellPlan(font)
    if len(heatmap_panels(fig)) > 1:
        alone = fig if len(panels) == 1 else None
        for font in CELL_FONTS:
            if all(text_fits(p, cell_px(alone or fig, p, width_px, whole=True), font) for p in panels):
                return CellPlan(font, split=True)
    return CellPlan(None)


def set_cell_font(fig: go.Figure, font: int | None) -> None:
    """Write the cell numbers of every heatmap at `font` px, or (None) not at all: hover still shows them."""
    for trace in fig.data:
        if trace.type == "heatmap" and getattr(trace, "texttemplate", None):
            if font is None:
                trace.update(texttemplate="")
            else:
                trace.update(textfont={"size": font})


def panel_titles(fig: go.Figure) -> list[str]:
    """A short label per heatmap panel: its subplot title (the paper annotation above it), else "Panel n"."""
    out = []
    for n, panel in enumerate(heatmap_panels(fig), start=1):
        annotation = _title_annotation(fig, panel)
        first_line = re.split(r"<br\s*/?>", annotation.text or "")[0] if annotation is not None else ""
        text = re.sub(r"<[^>]+>", " ", first_line).strip()
        out.append(text or f"Panel {n}")
    return out


def _title_annotation(fig: go.Figure, panel: Panel) -> Any:
    """The subplot title of `panel`: a paper annotation centred over its x domain at (or just above) its top."""
    x0, x1 = _domain(_layout_axis(fig, panel.xaxis))
    _, y1 = _domain(_layout_axis(fig, panel.yaxis))
    for annotation in fig.layout.annotations or ():
        if (
            annotation.xref != "paper"
            or annotation.yref != "paper"
            or annotation.x is None
            or annotation.y is None
        ):
            continue
        if abs(annotation.x - (x0 + x1) / 2) < 1e-3 and -1e-3 <= annotation.y - y1 <= 0.08:
            return annotation
    return None


def _refs(obj: Any) -> tuple[str, str]:
    xref = getattr(obj, "xref", None) or "x"
    yref = getattr(obj, "yref", None) or "y"
    return xref.split(" ")[0], yref.split(" ")[0]


def single_panel(fig: go.Figure, index: int) -> go.Figure:
    """Panel `index` of `fig` alone, filling the plot area: its traces on x / y, its title, its own shapes and
    annotations; tick labels and axis titles other panels carried (shared rows and columns) put back."""
    panels = heatmap_panels(fig)
    panel = panels[index]
    title = _title_annotation(fig, panel)
    x_src, y_src = _layout_axis(fig, panel.xaxis), _layout_axis(fig, panel.yaxis)
    layout = fig.layout.to_plotly_json()
    for name in list(layout):
        if re.fullmatch(r"[xy]axis\d*", name):
            del layout[name]
    xaxis = x_src.to_plotly_json()
    yaxis = y_src.to_plotly_json()
    for axis, letter in ((xaxis, "x"), (yaxis, "y")):
        axis["domain"] = [0.0, 1.0]
        axis.pop("anchor", None)
        axis.pop("matches", None)
        axis.pop("scaleanchor", None)
        others = [_layout_axis(fig, getattr(p, letter + "axis")).to_plotly_json() for p in panels]
        ticks = axis.get("ticktext")
        if ticks is not None and not any(str(t) for t in ticks):
            axis["ticktext"] = next(
                (o["ticktext"] for o in others if any(str(t) for t in o.get("ticktext") or ())), ticks
            )
        if not (axis.get("title") or {}).get("text"):
            found = next((o["title"] for o in others if (o.get("title") or {}).get("text")), None)
            if found is not None:
                axis["title"] = found
    layout["xaxis"], layout["yaxis"] = xaxis, yaxis
    annotations = []
    for annotation in fig.layout.annotations or ():
        xref, yref = _refs(annotation)
        if annotation is title:
            moved = annotation.to_plotly_json()
            moved.update(x=0.5, y=1.0)
            annotations.append(moved)
        elif (xref, yref) == (panel.xaxis, panel.yaxis):
            moved = annotation.to_plotly_json()
            moved.update(xref="x", yref="y")
            annotations.append(moved)
        elif (
            xref == "paper" and yref == "paper" and _title_annotation_of_any(fig, panels, annotation) is None
        ):
            annotations.append(annotation.to_plotly_json())
    layout["annotations"] = annotations
    shapes = []
    for shape in fig.layout.shapes or ():
        xref, yref = _refs(shape)
        if (xref, yref) == (panel.xaxis, panel.yaxis):
            moved = shape.to_plotly_json()
            moved.update(xref="x", yref="y")
            shapes.append(moved)
    layout["shapes"] = shapes
    data = []
    traces = [fig.data[i].to_plotly_json() for i in panel.traces]
    traces += [
        t.to_plotly_json()
        for t in fig.data
        if t.type != "heatmap"
        and (_axis_name(t.xaxis, "x"), _axis_name(t.yaxis, "y")) == (panel.xaxis, panel.yaxis)
    ]
    any_scale = any(_shows_scale(fig.data[i]) for p in panels for i in p.traces)
    scaled = False
    for trace in traces:
        trace["xaxis"], trace["yaxis"] = "x", "y"
        if trace.get("type") == "heatmap":
            first_value = not scaled and trace.get("name") != "hidden"
            trace["showscale"] = bool(first_value and any_scale)
            scaled = scaled or first_value
        data.append(trace)
    return go.Figure(data=data, layout=layout)


def _title_annotation_of_any(fig: go.Figure, panels: Sequence[Panel], annotation: Any) -> Any:
    for panel in panels:
        if _title_annotation(fig, panel) is annotation:
            return annotation
    return None


def _row_bands(fig: go.Figure) -> list[tuple[float, float]]:
    """The distinct vertical domains of the figure's y axes, top first."""
    bands = set()
    for name in fig.layout:
        if re.fullmatch(r"yaxis\d*", name) and fig.layout[name] is not None:
            axis = fig.layout[name]
            if getattr(axis, "overlaying", None):
                continue
            bands.add(_domain(axis))
    return sorted(bands, key=lambda b: -b[1])


def open_row_gaps(fig: go.Figure, gap_px: float) -> bool:
    """Leave at least `gap_px` between vertically stacked subplots (for the upper one's x tick labels and the
    lower one's title): the panels shrink in proportion, titles on a panel's top move with it. True if moved."""
    bands = _row_bands(fig)
    if len(bands) < 2 or any(b[0] < a[1] - 1e-9 and b[1] > a[0] + 1e-9 for a, b in itertools.pairwise(bands)):
        return False  # one row, or overlapping domains (side-by-side panels of different heights): leave it
    margin = fig.layout.margin
    top = margin.t if margin.t is not None else 100
    bottom = margin.b if margin.b is not None else 80
    plot_h = max(float(fig.layout.height or 450) - top - bottom, 1.0)
    gap = gap_px / plot_h
    gaps = [a[0] - b[1] for a, b in itertools.pairwise(bands)]
    if min(gaps) >= gap - 1e-9:
        return False
    new_gaps = [max(g, gap) for g in gaps]
    total_h = sum(b[1] - b[0] for b in bands)
    room = bands[0][1] - bands[-1][0] - sum(new_gaps)
    if room <= 0.2 * total_h:
        return False  # no room to open the gaps without crushing the panels
    scale = room / total_h
    moved: dict[tuple[float, float], tuple[float, float]] = {}
    y = bands[0][1]
    for i, band in enumerate(bands):
        height = (band[1] - band[0]) * scale
        moved[band] = (y - height, y)
        y -= height + (new_gaps[i] if i < len(new_gaps) else 0)
    for name in list(fig.layout):
        if re.fullmatch(r"yaxis\d*", name) and fig.layout[name] is not None:
            axis = fig.layout[name]
            old = _domain(axis)
            if old in moved:
                low, high = moved[old]
                axis.domain = [min(max(round(low, 9), 0.0), 1.0), min(max(round(high, 9), 0.0), 1.0)]
    for annotation in fig.layout.annotations or ():
        if annotation.yref == "paper" and annotation.y is not None:
            for old, new in moved.items():
                if abs(annotation.y - old[1]) < 1e-6:
                    annotation.y = min(max(round(new[1], 9), 0.0), 1.0)
                    break
    return True


def readable_ticks(fig: go.Figure, min_font: int = MIN_TICK_FONT, max_ticks: int = MAX_TICKS) -> None:
    """Tick labels at least `min_font` px; a numeric tick list of more than `max_ticks` labels thinned to every
    2nd (up to twice that) or 5th label, the first and the multiples kept."""
    for name in list(fig.layout):
        if not re.fullmatch(r"[xy]axis\d*", name) or fig.layout[name] is None:
            continue
        axis = fig.layout[name]
        # set even when unset: Streamlit's chart theme sizes ticks in rem (0.75 rem: 13.5 px at an 18 px root)
        axis.tickfont.size = max(axis.tickfont.size or 0, min_font)
        vals, text = axis.tickvals, axis.ticktext
        if vals is None or len(vals) <= max_ticks:
            continue
        labels = [str(t) for t in text] if text is not None else [str(v) for v in vals]
        if not all(_is_number(t) for t in labels if t):
            continue
        every = 2 if len(vals) <= 2 * max_ticks else 5
        keep = [i for i in range(len(vals)) if _is_number(labels[i]) and round(float(labels[i])) % every == 0]
        if not keep:
            keep = list(range(0, len(vals), every))
        if len(keep) < 2:
            continue
        axis.tickvals = [vals[i] for i in keep]
        if text is not None:
            axis.ticktext = [text[i] for i in keep]
    for trace in fig.data:
        colorbar = getattr(trace, "colorbar", None)
        if colorbar is not None:
            colorbar.tickfont.size = max(colorbar.tickfont.size or 0, min_font)
    for name in list(fig.layout):
        if re.fullmatch(r"coloraxis\d*", name) and fig.layout[name] is not None:
            colorbar = fig.layout[name].colorbar
            colorbar.tickfont.size = max(colorbar.tickfont.size or 0, min_font)
    fig.layout.legend.font.size = max(fig.layout.legend.font.size or 0, min_font)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def unshrunk_bar_text(fig: go.Figure) -> None:
    """Bar labels at their own size: Plotly otherwise scales a label down to the bar's width (a 4-decimal label
    on a narrow bar came out at 10 px); outside the plot area they are drawn, not clipped."""
    for trace in fig.data:
        if trace.type == "bar" and (trace.text is not None or trace.texttemplate):
            trace.update(constraintext="none", cliponaxis=False)


PLOTLY_MARGIN_T, PLOTLY_MARGIN_B = 100, 80  # Plotly's default top and bottom margins (px)


def keep_controls_below(fig: go.Figure, old_height: float, extra_px: float = 14.0) -> bool:
    """After `fig`'s height changed from `old_height`, keep an animation's Play buttons and slider (placed under
    the plot in paper units, which shrink with the plot) as many px under the plot as before, plus `extra_px`
    for presentation mode's larger tick labels; the bottom margin grows by as much. True if something moved."""
    margin = fig.layout.margin
    top = PLOTLY_MARGIN_T if margin.t is None else margin.t
    bottom = PLOTLY_MARGIN_B if margin.b is None else margin.b
    height = fig.layout.height
    old_plot, new_plot = old_height - top - bottom, (height or 0) - top - bottom - extra_px
    below = [c for c in (*fig.layout.updatemenus, *fig.layout.sliders) if c.y is not None and c.y < 0]
    if not below or old_plot <= 0 or new_plot <= 0 or len(_row_bands(fig)) > 1:
        return False  # stacked subplots (the RNN's) share out their own height with open_row_gaps: left as laid out
    for control in below:
        control.y = (
            control.y * old_plot - extra_px
        ) / new_plot  # the same px under the plot, and extra_px more
    fig.update_layout(margin_b=bottom + extra_px)
    return True
