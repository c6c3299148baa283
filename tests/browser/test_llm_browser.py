"""Real browser on the Today's-LLMs pages: change the K/V groups and the window, and the figures follow; in
presentation mode at 1280x720 each step's main figure is fully on screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import by_key, wait_for_app

LOAD_MS = 240_000


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot", timeout=LOAD_MS)
    wait_for_app(page, timeout=LOAD_MS)


def _titles(page: Page, key: str) -> list[str]:
    return page.locator(f".st-key-{key} .annotation-text").evaluate_all("els => els.map(e => e.textContent)")


def test_gqa_groups_change_the_head_colours(page: Page, streamlit_url: str, screenshot_dir) -> None:
    _open(page, f"{streamlit_url}/gqa")
    expect(page.locator(".st-key-gqa_heads_fig")).to_be_visible()
    assert _titles(page, "gqa_heads_fig")[:4] == [
        "query head 1 · K/V 1",
        "query head 2 · K/V 1",
        "query head 3 · K/V 2",
        "query head 4 · K/V 2",
    ]
    page.screenshot(path=str(screenshot_dir / "gqa-default.png"))
    page.locator(".st-key-gqa_groups").click()
    page.get_by_role("option", name="1 · multi-query").click()
    expect(page).to_have_url(re.compile(r"gqa_groups=1"), timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.st-key-gqa_heads_fig .annotation-text')]"
        ".filter(t => t.textContent.endsWith('K/V 1')).length === 4",
        timeout=60_000,
    )
    wait_for_app(page)
    expect(page.get_by_text("Multi-query attention", exact=False).first).to_be_visible()


def test_window_slider_updates_the_band(page: Page, streamlit_url: str) -> None:
    _open(page, f"{streamlit_url}/sliding_window")
    thumb = by_key(page, "swa_window").get_by_role("slider")
    thumb.focus()
    thumb.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"swa_window=2(&|$)"), timeout=60_000)
    wait_for_app(page, timeout=LOAD_MS)
    expect(page.get_by_text("a **sliding window** of 2", exact=False)).to_have_count(
        0
    )  # Markdown is rendered
    expect(page.get_by_text(re.compile(r"sliding window of 2 keeps only the last 2"))).to_be_visible()


@pytest.mark.parametrize(
    ("path", "step", "key"),
    [
        ("gqa", 1, "gqa_heads_fig"),
        ("gqa", 4, "gqa_memory_fig"),
        ("sliding_window", 2, "swa_field_fig"),
        ("positions", 4, "pos_rotation_fig"),
        ("sinks", 3, "sink_loss_fig"),
    ],
)
def test_presentation_step_figure_is_on_screen(
    page: Page, streamlit_url: str, path: str, step: int, key: str, screenshot_dir
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    _open(page, f"{streamlit_url}/{path}?present=1&step={step}")
    collapse = page.locator("[data-testid='stSidebarCollapseButton'] button")
    if collapse.count() and collapse.first.is_visible():
        collapse.first.click()
    chart = page.locator(f".st-key-{key}").first
    expect(chart).to_be_visible(timeout=LOAD_MS)
    page.wait_for_timeout(500)
    box = chart.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 720 + 1, box
    page.screenshot(path=str(screenshot_dir / f"{path}-present-{step}.png"))
