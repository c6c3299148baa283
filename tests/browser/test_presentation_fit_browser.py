"""Presentation mode on a projector: every step of every lesson page at 1280x720, in both themes, sidebar folded
away, and on every step every figure (each tab of a step's figure tabs) wholly on screen without scrolling, all
its text at least 14 px (cell numbers, tick labels, titles), cell numbers inside their cells, no subplot title over
tick labels, and nothing in the text column cut off (tests/browser/projector_measure.py).

The pages are the registered ones built on ui.lesson.Lesson, and each page's steps are walked with its own Next
button until it is disabled, so steps and lesson pages added later are covered without editing this file.
Screenshots of every step go to artifacts/screenshots/present/<theme>/.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import plotly.graph_objects as go
import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import ROOT, by_key, wait_for_app
from tests.browser.projector_measure import HEIGHT, MEASURE_JS, WIDTH, problems
from ui.lesson import NAV_KEY, NEXT_KEY
from ui.pages import PAGES
from ui.present import PRESENT_KEY
from ui.theme import THEMES, URL_OPTION

LOAD_MS = 240_000
MAX_STEPS = 20  # a guard against a Next button that never disables

LESSON_PAGES = [info.url_path for info in PAGES if "Lesson(" in (ROOT / info.path).read_text()]

# Every chart in the main area is drawn (no skeleton left, each Plotly chart has its SVG).
_RENDERED = """() => !document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')
  && [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stPlotlyChart"]')]
       .every(c => c.querySelector('.main-svg'))"""


def _settle(page: Page) -> None:
    wait_for_app(page, timeout=LOAD_MS)
    page.wait_for_function(_RENDERED, timeout=LOAD_MS)
    page.wait_for_timeout(600)  # Plotly's own relayout after the first draw
    wait_for_app(page, timeout=LOAD_MS)
    page.wait_for_function(_RENDERED, timeout=LOAD_MS)


def _sidebar_folded(page: Page) -> bool:
    box = page.locator("[data-testid='stSidebar']").bounding_box()
    return box is None or box["x"] + box["width"] <= 1


def _tabs(page: Page) -> list:
    """The tab buttons of the step's figure tabs (ui.lesson.figure_tabs), in the stage's figure column."""
    return page.locator(".st-key-lesson_stage_figure [data-testid='stTabs'] [role='tab']").all()


def _step_problems(page: Page, where: str, shot: Path) -> tuple[list[str], int]:
    """Misfits of the step on screen, each of its figure tabs opened in turn; (problems, figures measured)."""
    found: list[str] = []
    measured = page.evaluate(MEASURE_JS)
    found += problems(measured, where)
    count = len(measured["charts"])
    page.screenshot(path=str(shot))
    for i, tab in enumerate(_tabs(page)[1:], start=2):
        tab.click()
        page.wait_for_timeout(400)  # a tab's chart is laid out when it is first shown
        measured = page.evaluate(MEASURE_JS)
        found += problems(measured, f"{where} tab {i}")
        count += len(measured["charts"])
        page.screenshot(path=str(shot.with_name(f"{shot.stem}-tab{i}.png")))
    return found, count


# Known misfits on pages another branch is changing: strict, so the fix is noticed and the mark removed.
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("path", LESSON_PAGES)
def test_every_step_fits_the_projector(
    page: Page, streamlit_url: str, path: str, theme: str, screenshot_dir: Path
) -> None:
    shots = screenshot_dir / "present" / theme
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{streamlit_url}/{path}?{PRESENT_KEY}=1&step=1&{URL_OPTION[theme]}")
    expect(by_key(page, NAV_KEY)).to_be_visible(timeout=LOAD_MS)
    # the first load also fetches Plotly's code: give step 1's chart (if the step has one) time to appear
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot .main-svg", timeout=20_000)
    _settle(page)
    assert _sidebar_folded(page), "presentation mode starts with the sidebar folded away"
    expect(page.locator("[data-testid='stExpandSidebarButton']")).to_be_visible()  # and it can be opened

    found: list[str] = []
    figures = 0
    for step in range(1, MAX_STEPS + 1):
        if not _sidebar_folded(page):
            found.append(f"step {step}: the sidebar opened")
        step_found, count = _step_problems(page, f"step {step}", shots / f"{path}-{step}.png")
        found += step_found
        figures += count
        next_button = by_key(page, NEXT_KEY).locator("button")
        if next_button.is_disabled():
            break
        next_button.click()
        page.wait_for_url(f"**step={step + 1}*", timeout=LOAD_MS)
        _settle(page)
    else:
        pytest.fail(f"{path}: Next still enabled after {MAX_STEPS} steps")
    assert figures > 0, f"{path}: no step showed a figure"
    assert not found, f"{path}, {theme} (screenshots in {shots}):\n" + "\n".join(found)


def _misfit_page() -> str:
    """A page shaped like a presentation step whose figure breaks every rule the walk checks: wider and taller
    than the screen, 10 px tick labels, 4-decimal numbers at 16 px in 30 px cells, a subplot title on the upper
    panel's tick labels, and a table wider than the text column that nothing scrolls."""
    fig = go.Figure()
    fig.add_heatmap(
        z=[[0.1234, 0.5678], [0.9012, 0.3456]],
        texttemplate="%{z:.4f}",
        textfont={"size": 16},
        xaxis="x",
        yaxis="y",
        showscale=False,
    )
    fig.add_scatter(x=[0, 1], y=[0, 1], xaxis="x2", yaxis="y2")
    fig.update_layout(
        width=1400,
        height=800,
        margin={"l": 1330, "r": 10, "t": 10, "b": 10},
        font={"size": 18},
        xaxis={"domain": [0, 1], "tickfont": {"size": 10}, "anchor": "y"},
        yaxis={"domain": [0.52, 1.0]},
        xaxis2={"anchor": "y2"},
        yaxis2={"domain": [0, 0.5]},
        annotations=[
            {
                "text": "Lower panel title",
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 30},
            }
        ],
    )
    chart = fig.to_html(full_html=False, include_plotlyjs=True, config={"staticPlot": True})
    wide = "<table><tr>" + "<td>0.12345678</td>" * 30 + "</tr></table>"
    return (
        '<div data-testid="stMain"><div style="display:flex">'
        f'<div class="st-key-lesson_stage_text" style="width:300px;overflow:hidden">{wide}</div>'
        f'<div class="st-key-bad_fig"><div data-testid="stPlotlyChart">{chart}</div></div></div></div>'
    )


def test_the_checks_find_misfits(page: Page) -> None:
    """The walk's checks can fail: each fires on a figure and text column made to break it."""
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.set_content(_misfit_page())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    found = "\n".join(problems(page.evaluate(MEASURE_JS), "bad"))
    assert f"is not inside {WIDTH}x{HEIGHT}" in found
    assert "has text under 14 px" in found  # the 10 px tick labels
    assert "cell numbers that do not fit" in found
    assert "titles over tick labels" in found
    assert "the text column clips" in found
