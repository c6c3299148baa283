"""Both themes in a real browser: every registered page once in light and once in dark at 1440 wide.

The page background must be light / dark as asked, and every chart text drawn on the chart's background (ticks,
titles, legends, annotations, labels beside marks) must contrast with it at 4.5:1 or more (WCAG AA). Text on
heatmap cells and inside bars is drawn by Plotly in a colour contrasting with the cell, and is not checked here.
The ⋮ menu's Dark item switches the app, and the choice persists (a reload draws the figures' dark palette).
Switching in the menu redraws the charts in the new palette by itself (ui/theme.py's watcher), with exactly one
extra script run: counted from the app's websocket, where each run is one `rerun_script` message from the browser.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, WebSocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from attention_core.figures.palette import ACCENT, ACCENT_ON_DARK, DARK_BACKGROUND, LIGHT_BACKGROUND
from tests.browser.conftest import wait_for_app
from ui.pages import PAGES, PageInfo

WIDTH, HEIGHT = 1440, 900
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots" / "themes"
MIN_TEXT_CONTRAST = 4.5  # every chart text, ticks and axis titles included (palette.AXIS_TEXT, not the
# template's grey #808495 that is 3.7:1 on white)

# In the browser: the app's background, and for each chart text on the chart's own background its fill, the
# background behind it (the paper, or the page where the paper is transparent) and the text, for messages.
_PROBE = """
() => {
  const rgba = s => { const m = s.match(/[\\d.]+/g) || []; return m.length < 3 ? null
    : [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1]; };
  const over = (top, under) => top[3] >= 0.999 ? top : top.map((c, i) => i < 3 ? c * top[3] + under[i] * (1 - top[3]) : 1);
  const app = rgba(getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor);
  const skip = '.heatmaplayer, .barlayer, .hoverlayer, .modebar, .infolayer .colorbar .cbfills';
  const texts = [];
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const paper = plot.querySelector('.main-svg > rect.bg');  // the paper (annotations have their own rect.bg)
    const fillOf = el => { const s = getComputedStyle(el), f = rgba(s.fill);
      if (f) f[3] *= +s.fillOpacity; return f && f[3] > 0 ? f : null; };
    const paperFill = paper ? fillOf(paper) : null;
    const back = paperFill ? over(paperFill, app) : app;
    for (const t of plot.querySelectorAll('svg text')) {
      if (!t.textContent.trim() || t.closest(skip)) continue;
      const style = getComputedStyle(t);
      if (style.visibility === 'hidden' || style.display === 'none' || +style.opacity === 0) continue;
      let under = back;
      const box = t.closest('.annotation') && t.closest('.annotation').querySelector('rect.bg');
      const boxFill = box ? fillOf(box) : null;
      if (boxFill) under = over(boxFill, back);
      const fill = rgba(style.fill);
      if (!fill) continue;
      fill[3] *= +style.fillOpacity;
      texts.push({text: t.textContent.slice(0, 40), fill: over(fill, under), back: under});
    }
  }
  return {app, texts, charts: document.querySelectorAll('.js-plotly-plot').length};
}
"""


def _css_rgb(hex_color: str) -> str:
    """A #rrggbb colour as the browser reports a computed style: rgb(r, g, b)."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _luminance(rgb: list[float]) -> float:
    """WCAG relative luminance of an sRGB colour (0-255 channels)."""

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: list[float], b: list[float]) -> float:
    """WCAG contrast ratio of two colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_matches_wcag_examples() -> None:
    assert contrast([0, 0, 0], [255, 255, 255]) == pytest.approx(21.0)
    assert contrast([194, 65, 12], [255, 255, 255]) == pytest.approx(5.18, abs=0.01)  # the light accent


ROOT = Path(__file__).resolve().parents[2]


def _draws_charts(info: PageInfo) -> bool:
    """Whether the page's script places any chart (read from its source)."""
    source = (ROOT / info.path).read_text(encoding="utf-8")
    return "show_figure(" in source or "plotly_chart(" in source


def _open(page: Page, url: str, charts: bool = True) -> None:
    """Open `url` and wait until its run has ended and (when it has charts) Plotly has drawn one."""
    page.goto(url)
    page.wait_for_selector("[data-testid=stMainBlockContainer] h1", timeout=120_000)
    if charts:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
    wait_for_app(page, timeout=120_000)
    page.wait_for_timeout(500)  # Plotly finishes its SVG just after the run ends


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_readable_in_theme(browser: Browser, streamlit_url: str, scheme: str) -> None:
    """The browser asks for `scheme` (the app's default, System, follows it): every page follows, readably."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, color_scheme=scheme)
    context.set_default_timeout(60_000)  # the machine is shared: screenshots can wait for fonts
    page = context.new_page()
    problems: list[str] = []
    charts = 0
    try:
        for info in PAGES:
            _open(page, f"{streamlit_url}/{info.url_path}", _draws_charts(info))
            probe = page.evaluate(_PROBE)
            page.screenshot(path=str(SHOTS / f"{info.url_path}-{scheme}.png"))
            lum = _luminance(probe["app"])
            if (scheme == "dark") != (lum < 0.1) or (scheme == "light") != (lum > 0.8):
                problems.append(f"{info.url_path}: background {probe['app']} is not {scheme}")
            charts += probe["charts"]
            for t in probe["texts"]:
                ratio = contrast(t["fill"], t["back"])
                if ratio < MIN_TEXT_CONTRAST:
                    problems.append(
                        f"{info.url_path}: {t['text']!r} {t['fill']} on {t['back']}: {ratio:.2f}:1"
                    )
    finally:
        context.close()
    assert charts >= len(PAGES) // 2  # the check looked at real charts, not at empty pages
    assert not problems, "\n".join(problems[:40])


def _accent_fills(page: Page) -> set[str]:
    """The accent colours (light or dark twin) the browser drew as SVG fills in the charts."""
    wanted = {ACCENT.lower(), ACCENT_ON_DARK.lower()}
    fills = page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot svg *')].map(e => getComputedStyle(e).fill)"
    )

    def hexed(fill: str) -> str:
        parts = [int(float(x)) for x in fill[fill.find("(") + 1 : fill.find(")")].split(",")[:3]]
        return "#" + "".join(f"{c:02x}" for c in parts) if len(parts) == 3 else ""

    return {h for h in map(hexed, (f for f in fills if f.startswith("rgb"))) if h in wanted}


def test_menu_switches_theme_and_it_persists(browser: Browser, streamlit_url: str) -> None:
    """Light by the OS; ⋮ → Dark turns the page dark; after a reload the charts use the dark accent."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, color_scheme="light")
    page = context.new_page()
    try:
        _open(page, f"{streamlit_url}/simplified")
        assert _accent_fills(page) == {ACCENT.lower()}
        page.locator("[data-testid=stMainMenu]").click()
        page.locator("[data-testid=stMainMenuItem-theme-Dark]").click()
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
            f" === '{_css_rgb(DARK_BACKGROUND)}'",
            timeout=15_000,
        )
        page.reload()
        _open(page, page.url)
        assert _accent_fills(page) == {ACCENT_ON_DARK.lower()}
        # a link can force a theme whatever the browser prefers
        _open(page, f"{streamlit_url}/simplified?embed_options=light_theme")
        app_bg = page.evaluate(
            "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
        )
        assert app_bg == _css_rgb(LIGHT_BACKGROUND)
        assert _accent_fills(page) == {ACCENT.lower()}
    finally:
        context.close()


class _Runs:
    """The script runs of a page, read from its websocket: the browser asks for each with a `rerun_script`
    message (carrying the colour scheme it reports) and the server ends each with `script_finished`."""

    def __init__(self, page: Page) -> None:
        self.asked: list[str] = []  # the colour scheme each rerun request reported, in order
        self.finished = 0
        page.on("websocket", self._watch)

    def _watch(self, ws: WebSocket) -> None:
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            msg = BackMsg.FromString(payload)
            if msg.WhichOneof("type") == "rerun_script":
                self.asked.append(msg.rerun_script.context_info.color_scheme)

    def _received(self, payload: str | bytes) -> None:
        if (
            isinstance(payload, bytes)
            and ForwardMsg.FromString(payload).WhichOneof("type") == "script_finished"
        ):
            self.finished += 1


SWITCH_WITHIN_MS = 10_000  # from the menu click to the charts drawn in the new palette
QUIET_S = 4.0  # after that run ends, no further run may start (no rerun loop)


def _app_background(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")


def _switch_in_menu(page: Page, runs: _Runs, theme: str, accent: str, other: str, background: str) -> float:
    """Pick `theme` in the ⋮ menu and wait, clicking nothing on the page, until the charts draw `accent`;
    asserts one extra run, which reported `theme`, and none in the QUIET_S after it. Seconds to redraw."""
    asked, finished = len(runs.asked), runs.finished
    if not page.locator("[data-testid=stMainMenuPopover]").is_visible():  # it stays open after a pick
        page.locator("[data-testid=stMainMenu]").click()
    page.locator(f"[data-testid=stMainMenuItem-theme-{theme.capitalize()}]").click()
    start = time.monotonic()
    page.wait_for_function(
        """([accent, other]) => {
          const fills = [...document.querySelectorAll('.js-plotly-plot svg *')].map(e => getComputedStyle(e).fill);
          return fills.includes(accent) && !fills.includes(other)
            && !document.querySelector('[data-testid=stStatusWidget]');
        }""",
        arg=[_css_rgb(accent), _css_rgb(other)],
        timeout=SWITCH_WITHIN_MS,
    )
    seconds = time.monotonic() - start
    assert _app_background(page) == _css_rgb(background)
    page.wait_for_timeout(QUIET_S * 1000)  # let a loop show itself: a second rerun would be asked for here
    assert runs.asked[asked:] == [theme]  # exactly one extra run, and it drew with the theme switched to
    assert runs.finished - finished == 1
    assert _accent_fills(page) == {accent.lower()}
    return seconds


def test_menu_switch_redraws_charts_once_without_a_click(browser: Browser, streamlit_url: str) -> None:
    """Light by the OS; ⋮ → Dark redraws the charts in the dark palette by itself, with one run; ⋮ → Light back."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, color_scheme="light")
    context.set_default_timeout(60_000)
    page = context.new_page()
    runs = _Runs(page)
    try:
        _open(page, f"{streamlit_url}/simplified")
        assert runs.asked == ["light"] and _accent_fills(page) == {ACCENT.lower()}
        to_dark = _switch_in_menu(page, runs, "dark", ACCENT_ON_DARK, ACCENT, DARK_BACKGROUND)
        to_light = _switch_in_menu(page, runs, "light", ACCENT, ACCENT_ON_DARK, LIGHT_BACKGROUND)
        print(f"charts redrawn {to_dark:.2f} s after Dark, {to_light:.2f} s after Light")
    finally:
        context.close()
