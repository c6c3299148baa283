"""Classroom mode in a real browser: shared links, stepping through a lesson, the offline HTML export."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import by_key, open_export_offline, sentence_box, wait_for_app

FIGURE_DATA_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(el => el.data.map(t => ({
    type: t.type, z: t.z ? Array.from(t.z, r => Array.from(r)) : null,
    y: t.y ? Array.from(t.y) : null, name: t.name || null})))"""


def _figure_data(page: Page) -> list:
    return page.evaluate(FIGURE_DATA_JS)


def _open(page: Page, url: str, selector: str = ".js-plotly-plot") -> None:
    page.goto(url)
    page.wait_for_selector(selector, timeout=60_000)
    wait_for_app(page)


def test_shared_link_reproduces_figures_in_fresh_browser(
    page: Page, browser: Browser, streamlit_url: str, screenshot_dir
) -> None:
    _open(page, f"{streamlit_url}/simplified")
    box = sentence_box(page)
    box.fill("a small cat sees a big dog")
    box.press("Control+Enter")
    expect(page).to_have_url(re.compile("text=a"))
    wait_for_app(page)
    by_key(page, "q").get_by_role("combobox").click()
    page.get_by_role("option", name="3 · cat").click()
    expect(page).to_have_url(re.compile("q=3"))
    wait_for_app(page)
    page.wait_for_timeout(500)
    link = (
        page.locator("[data-testid='stSidebar'] [data-testid='stCode'] code").inner_text().replace("\n", "")
    )
    assert "q=3" in link and "text=a" in link
    original = _figure_data(page)
    assert len(original) >= 5

    fresh = browser.new_context(viewport={"width": 1280, "height": 2200})
    other = fresh.new_page()
    _open(other, link)
    other.wait_for_timeout(500)
    assert _figure_data(other) == original
    other.screenshot(path=str(screenshot_dir / "shared-link-fresh-context.png"))
    fresh.close()


def test_next_step_through_whole_lesson(page: Page, streamlit_url: str, screenshot_dir) -> None:
    _open(page, f"{streamlit_url}/simplified?present=1", selector="h3")
    for step in range(1, 7):
        expect(page.get_by_role("heading", name=re.compile(rf"^Step {step} ·"))).to_be_visible()
        assert page.get_by_role("heading", name=re.compile(r"^Step \d ·")).count() == 1
        if step < 6:
            by_key(page, "lesson_next").locator("button").click()
            expect(page).to_have_url(re.compile(rf"step={step + 1}"))
            wait_for_app(page)
    expect(by_key(page, "lesson_next").locator("button")).to_be_disabled()
    page.keyboard.press("ArrowLeft")  # the Previous button's keyboard shortcut
    expect(page).to_have_url(re.compile("step=5"))
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=str(screenshot_dir / "presentation-1280x720.png"))


def test_html_export_opens_offline(page: Page, browser: Browser, streamlit_url: str, tmp_path) -> None:
    _open(page, f"{streamlit_url}/simplified")
    n_figures = page.locator(".js-plotly-plot").count()
    offline, viewer = open_export_offline(page, browser, tmp_path / "page.html", n_figures, 2200, 60_000)
    assert viewer.locator(".js-plotly-plot").count() == n_figures
    offline.close()
