"""Presentation mode on a projector: every step of every lesson page at 1280x720, sidebar folded away, the step's
main figure wholly on screen without scrolling, and the numbers in its cells at least 14 px.

The pages are the registered ones built on ui.lesson.Lesson, and each page's steps are walked with its own Next
button until it is disabled, so steps and lesson pages added later are covered without editing this file.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import ROOT, by_key, wait_for_app
from ui.lesson import NAV_KEY, NEXT_KEY
from ui.pages import PAGES
from ui.present import PRESENT_KEY

LOAD_MS = 240_000
WIDTH, HEIGHT = 1280, 720
MIN_CELL_PX = 14
MAX_STEPS = 20  # a guard against a Next button that never disables

LESSON_PAGES = [info.url_path for info in PAGES if "Lesson(" in (ROOT / info.path).read_text()]

# Every chart in the main area is drawn (no skeleton left, each Plotly chart has its SVG).
_RENDERED = """() => !document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')
  && [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stPlotlyChart"]')]
       .every(c => c.querySelector('.main-svg'))"""

# The step's main figure: the first chart in the step's figure column (ui.lesson's stage), else the first drawn
# Plotly chart of the main area; its box (at scroll 0) and the font
# sizes of the numbers and labels written in it (heatmap texttemplate, bar/scatter text, annotations).
_MEASURE = """() => {
  const drawn = sel => [...document.querySelectorAll(sel)].filter(c => c.getBoundingClientRect().height > 0);
  const staged = drawn('.st-key-lesson_stage_figure [data-testid="stPlotlyChart"]');
  const charts = staged.length ? staged : drawn('[data-testid="stMain"] [data-testid="stPlotlyChart"]');
  if (!charts.length) return null;
  const c = charts[0], b = c.getBoundingClientRect();
  const texts = [...c.querySelectorAll('g.text text, g.textpoint text, text.textpoint, .annotation-text')]
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0);
  const key = [...(c.closest('[class*="st-key-"]')?.classList || [])].find(k => k.startsWith('st-key-'));
  return {key: key || '', x: b.x, y: b.y, width: b.width, height: b.height,
          fonts: texts.map(t => parseFloat(getComputedStyle(t).fontSize))};
}"""


def _settle(page: Page) -> None:
    wait_for_app(page, timeout=LOAD_MS)
    page.wait_for_function(_RENDERED, timeout=LOAD_MS)
    page.wait_for_timeout(600)  # Plotly's own relayout after the first draw
    wait_for_app(page, timeout=LOAD_MS)
    page.wait_for_function(_RENDERED, timeout=LOAD_MS)


def _sidebar_folded(page: Page) -> bool:
    box = page.locator("[data-testid='stSidebar']").bounding_box()
    return box is None or box["x"] + box["width"] <= 1


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_every_step_fits_the_projector(page: Page, streamlit_url: str, path: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{streamlit_url}/{path}?{PRESENT_KEY}=1&step=1")
    expect(by_key(page, NAV_KEY)).to_be_visible(timeout=LOAD_MS)
    # the first load also fetches Plotly's code: give step 1's chart (if the step has one) time to appear
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot .main-svg", timeout=20_000)
    _settle(page)
    assert _sidebar_folded(page), "presentation mode starts with the sidebar folded away"
    expect(page.locator("[data-testid='stExpandSidebarButton']")).to_be_visible()  # and it can be opened

    problems: list[str] = []
    figures = 0
    for step in range(1, MAX_STEPS + 1):
        page.screenshot(path=str(tmp_path / f"{path}-{step}.png"))
        if not _sidebar_folded(page):
            problems.append(f"step {step}: the sidebar opened")
        main = page.evaluate(_MEASURE)
        if main is not None:
            figures += 1
            right, bottom = main["x"] + main["width"], main["y"] + main["height"]
            if main["x"] < 0 or main["y"] < 0 or right > WIDTH + 1 or bottom > HEIGHT + 1:
                problems.append(
                    f"step {step}: {main['key']} at x {main['x']:.0f}..{right:.0f}, "
                    f"y {main['y']:.0f}..{bottom:.0f} is not inside {WIDTH}x{HEIGHT}"
                )
            small = sorted({f for f in main["fonts"] if f < MIN_CELL_PX})
            if small:
                problems.append(f"step {step}: {main['key']} has text of {small} px (< {MIN_CELL_PX})")
        next_button = by_key(page, NEXT_KEY).locator("button")
        if next_button.is_disabled():
            break
        next_button.click()
        page.wait_for_url(f"**step={step + 1}*", timeout=LOAD_MS)
        _settle(page)
    else:
        pytest.fail(f"{path}: Next still enabled after {MAX_STEPS} steps")
    assert figures > 0, f"{path}: no step showed a figure"
    assert not problems, f"{path} (screenshots in {tmp_path}):\n" + "\n".join(problems)
