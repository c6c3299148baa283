"""The app's two themes (.streamlit/config.toml [theme.light] / [theme.dark]) and which one a browser shows.

The reader switches in the ⋮ menu (Light / Dark / System; System follows the browser's colour scheme), and a
link can force one with `?embed_options=dark_theme` or `light_theme` (Streamlit reads it in the browser).

Switching in the menu restyles the page at once but does not rerun the script, and the browser reports its
theme (`st.context.theme`) only with a rerun, so the charts would keep the old palette until the next click
(streamlit#11920). `theme_watcher`, mounted once per run by app.py, closes that gap.
"""

from __future__ import annotations

from typing import Literal

import plotly.graph_objects as go
import streamlit as st
import streamlit.components.v2

from attention_core.figures.frozen import chart_figure
from attention_core.figures.theme import drawn_spec

Theme = Literal["light", "dark"]
THEMES: tuple[Theme, ...] = ("light", "dark")
URL_OPTION = {"light": "embed_options=light_theme", "dark": "embed_options=dark_theme"}  # forces a theme
COLOR_OPTIONS = ("backgroundColor", "secondaryBackgroundColor", "textColor", "primaryColor")


def theme_colors(theme: Theme) -> dict[str, str]:
    """The colours config.toml defines for `theme` (background, secondary background, text, accent)."""
    return {name: str(st.get_option(f"theme.{theme}.{name}")) for name in COLOR_OPTIONS}


def active_theme() -> Theme:
    """The theme this browser shows, as it reported with this rerun (light when it has not said)."""
    return "dark" if st.context.theme.type == "dark" else "light"


def themed(fig: go.Figure) -> go.Figure:
    """`fig` as drawn in the active theme, to hand to `st.plotly_chart`: chart text in the palette's readable
    grey, and palette colours swapped for their dark twins on a dark page (`figures.theme.drawn_spec`; read
    it through `to_dict()`). `fig` itself is left as it is."""
    return chart_figure(drawn_spec(fig, dark=active_theme() == "dark"))


THEME_WATCH_KEY = "theme_watch"
# Runs in the page each time Streamlit renders the component: on mount, when its data changes (every rerun's
# theme) and when the page's theme changes (Streamlit re-runs it then). It reads the theme the page shows from
# the background colour Streamlit gives the component (--st-background-color), as Streamlit itself infers
# st.context.theme.type, and asks for a rerun only when that differs both from the theme this run drew with
# and from the theme it reported last: one rerun per switch, never a loop, even if a rerun were to report a
# stale theme.
_WATCH_JS = """
export default function ({ data, parentElement, setStateValue }) {
  const box = (parentElement.host || parentElement).closest("[data-testid=stElementContainer]");
  if (box) box.style.display = "none";  // no empty row (and gap) at the top of the page
  const probe = document.createElement("span");
  probe.style.color = "var(--st-background-color)";
  parentElement.appendChild(probe);
  const rgb = (getComputedStyle(probe).color.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  probe.remove();
  if (rgb.length < 3) return;
  const linear = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  const luminance = 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
  const seen = luminance < 0.5 ? "dark" : "light";
  if (seen !== data.drawn && seen !== data.reported) setStateValue("theme", seen);
}
"""
_watcher = st.components.v2.component("attention_explorer.theme_watch", js=_WATCH_JS)


def _reported_theme() -> str | None:
    """The theme the watcher reported last in this session (None before it has reported one)."""
    state = st.session_state.get(THEME_WATCH_KEY)
    return state.get("theme") if state is not None else None


def theme_watcher() -> None:
    """Mount the (invisible) watcher that reruns the script once when the reader switches the theme."""
    _watcher(
        key=THEME_WATCH_KEY,
        data={"drawn": active_theme(), "reported": _reported_theme()},
        on_theme_change=lambda: None,  # a state value needs a callback; the rerun itself is the point
    )
