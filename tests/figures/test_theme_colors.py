"""Figure builders and both themes: no builder hard-codes a colour that only works on a light page."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from attention_core.figures import palette
from attention_core.figures.palette import DARK_BACKGROUND, DARK_SWAPS, LIGHT_BACKGROUND
from attention_core.figures.simplified import context_vector_3d
from attention_core.figures.theme import dark_color, for_dark

FIGURES = Path(palette.__file__).parent
BUILDERS = sorted(p for p in FIGURES.glob("*.py") if p.name not in {"palette.py", "theme.py", "export.py"})
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_MARK_CONTRAST = 3.0  # WCAG 1.4.11: graphical objects against what surrounds them


def luminance(color: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _literals(path: Path) -> list[tuple[int, str]]:
    """Every string constant in a builder module, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


# cell fills meaning "nothing here": judged against the text on them (below), not against the page
QUIET = {palette.HIDDEN_COLOR, "#f1f5f9", "#e2e8f0"}


def _palette_colors() -> list[str]:
    """Every light-theme #rrggbb colour of a mark the palette defines (constants, tuples, colour scales)."""
    dark_side = {v.lower() for v in DARK_SWAPS.values()} | {DARK_BACKGROUND, LIGHT_BACKGROUND}
    found = {v for _, v in _literals(FIGURES / "palette.py") if HEX.match(v)}
    return sorted(v for v in found if v.lower() not in dark_side and v not in QUIET)


def test_contrast_of_known_pairs() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast(palette.ACCENT, LIGHT_BACKGROUND) == pytest.approx(5.18, abs=0.01)


@pytest.mark.parametrize("path", BUILDERS, ids=lambda p: p.name)
def test_no_builder_hard_codes_light_only_colour(path: Path) -> None:
    """A builder's own colours either have a dark twin or stand out on the dark page too; no white / black
    fonts and no opaque backgrounds (Streamlit's template themes the paper, plot area and fonts)."""
    problems = []
    for line, value in _literals(path):
        if value.lower() in {"white", "black"}:
            problems.append(f"line {line}: named colour {value!r}")
        elif (
            HEX.match(value)
            and value.lower() not in {k.lower() for k in DARK_SWAPS}
            and contrast(value, DARK_BACKGROUND) < MIN_MARK_CONTRAST
        ):
            problems.append(f"line {line}: {value} is {contrast(value, DARK_BACKGROUND):.2f}:1 on dark")
    source = path.read_text(encoding="utf-8")
    for match in re.finditer(r"(paper_bgcolor|plot_bgcolor)\s*=\s*\"([^\"]+)\"", source):
        if match.group(2).replace(" ", "") != "rgba(0,0,0,0)":
            problems.append(f"{match.group(1)} = {match.group(2)!r} (only transparent is theme-neutral)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("color", _palette_colors())
def test_every_palette_colour_works_on_dark(color: str) -> None:
    """Each palette colour, or its dark twin, stands out on the dark background."""
    assert contrast(dark_color(color), DARK_BACKGROUND) >= MIN_MARK_CONTRAST


@pytest.mark.parametrize("light, dark", sorted(DARK_SWAPS.items()))
def test_twin_keeps_its_role(light: str, dark: str) -> None:
    """A twin is as visible on dark as its light colour is on white, within reason (the quiet greys stay
    quiet), and the accent's twin is readable as text (4.5:1)."""
    on_white, on_dark = contrast(light, LIGHT_BACKGROUND), contrast(dark, DARK_BACKGROUND)
    assert on_dark >= min(on_white, 4.5) or light in QUIET
    if light == palette.ACCENT:
        assert on_dark >= 4.5


def test_ink_on_hidden_cells_readable_in_both_themes() -> None:
    assert contrast(palette.INK, palette.HIDDEN_COLOR) >= 4.5
    assert contrast(dark_color(palette.INK), dark_color(palette.HIDDEN_COLOR)) >= 4.5


def _colors(fig: go.Figure) -> set[str]:
    return {c.lower() for c in re.findall(r'"(#[0-9a-fA-F]{6})"', fig.to_json())}


def test_for_dark_swaps_every_palette_colour_and_keeps_the_rest() -> None:
    """The 3-D vector plot (accent query, muted inputs, the context vector) comes out with dark twins only;
    the light figure is left as it was."""
    rng = np.random.default_rng(0)
    inputs = rng.uniform(0, 1, (4, 3))
    weights = np.array([0.1, 0.4, 0.3, 0.2])
    fig = context_vector_3d(inputs, ["a", "b", "c", "d"], 1, weights, weights @ inputs)
    before = fig.to_json()
    dark = for_dark(fig)
    assert fig.to_json() == before
    light_colors = _colors(fig)
    assert {palette.ACCENT.lower(), palette.CONTEXT_COLOR.lower()} <= light_colors
    keys = {k.lower() for k in DARK_SWAPS}
    assert not (_colors(dark) & keys)
    assert _colors(dark) == {dark_color(c).lower() for c in light_colors}
    assert len(dark.data) == len(fig.data)
