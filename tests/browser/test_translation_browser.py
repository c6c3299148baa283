"""Real browser: play the encoder and decoder-focus animations, see the alignment heatmap with exact hover."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app_pages import bahdanau, rnn_bottleneck
from tests.browser.conftest import chart, wait_for_app

ACTIVE = "el => el.layout.sliders[0].active"
# the first visit of a page loads its translator on a cold server: ~20 s measured on the shared 2 cores
COLD_START_MS = 90_000


def _chart(page: Page, key: str):
    """The page's chart with this key, scrolled into view."""
    found = chart(page, key)
    found.scroll_into_view_if_needed()
    return found


def test_encoder_animation_plays(page: Page, streamlit_url: str, screenshot_dir) -> None:
    page.goto(
        f"{streamlit_url}/rnn_bottleneck?text=the%20small%20black%20cat%20sleeps%20under%20the%20old%20table"
    )
    page.wait_for_selector(".js-plotly-plot", timeout=COLD_START_MS)
    wait_for_app(page)
    encoder = _chart(page, rnn_bottleneck.ENCODER_FIG)
    handle = encoder.element_handle()
    assert handle.evaluate(ACTIVE) == 8  # opens on the final state (9 tokens)
    ticks = encoder.locator(".xtick text").evaluate_all("els => els.map(e => e.textContent)")
    assert ticks[:9] == ["the", "small", "black", "cat", "sleeps", "under", "the", "old", "table"]
    page.screenshot(path=str(screenshot_dir / "rnn-bottleneck-final-state.png"))
    encoder.locator(".updatemenu-button").filter(has_text="Play").click()
    page.wait_for_function(f"el => ({ACTIVE})(el) <= 2", arg=handle, timeout=5_000)
    page.wait_for_function(f"el => ({ACTIVE})(el) >= 3 && ({ACTIVE})(el) < 8", arg=handle, timeout=5_000)
    expect(encoder.locator(".annotation-text").filter(has_text="Reading token")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "rnn-bottleneck-playing.png"))
    page.wait_for_function(f"el => ({ACTIVE})(el) === 8", arg=handle, timeout=15_000)
    expect(
        encoder.locator(".annotation-text").filter(has_text="only thing the decoder receives")
    ).to_be_visible()
    # the climax: once Play has ended, c is outlined and named, and no curtain is left over it
    page.wait_for_timeout(800)
    shapes = handle.evaluate("el => el.layout.shapes.map(s => ({x0: s.x0, x1: s.x1, visible: s.visible}))")
    assert shapes[0]["x0"] == 7.5 and shapes[0]["x1"] == 8.5
    assert all(s["visible"] is False or s["x1"] <= 7.5 or s["x0"] >= 8.5 for s in shapes[1:])
    expect(encoder.locator(".annotation-text").filter(has_text=re.compile(r"^c$"))).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "rnn-bottleneck-after-play.png"))
    expect(page.get_by_text("Reference (the rules):")).to_be_visible()


def test_alignment_heatmap_and_focus_animation(page: Page, streamlit_url: str, screenshot_dir) -> None:
    page.goto(f"{streamlit_url}/bahdanau?{bahdanau.EXAMPLE_KEY}=3")
    page.wait_for_selector(".js-plotly-plot", timeout=COLD_START_MS)
    wait_for_app(page)
    heat = _chart(page, bahdanau.ALIGNMENT_FIG)
    expect(heat.locator(".hm image")).to_have_count(1)  # the heatmap is drawn
    rows = heat.locator(".ytick text").evaluate_all("els => els.map(e => e.textContent)")
    assert rows[:4] == ["la", "zone", "économique", "européenne"]
    box = heat.locator(".nsewdrag").first.bounding_box()
    assert box is not None
    n_rows, n_cols = len(rows), 8
    # hover the cell (row "zone", column "area"): the tooltip shows the exact weight
    page.mouse.move(box["x"] + box["width"] * (3.5 / n_cols), box["y"] + box["height"] * (1.5 / n_rows))
    hover = page.locator(".hoverlayer .hovertext").first
    expect(hover).to_contain_text(re.compile(r"attention weight: 0\.\d{6}"))
    expect(hover).to_contain_text("zone")
    page.screenshot(path=str(screenshot_dir / "bahdanau-heatmap-hover.png"))

    focus = _chart(page, bahdanau.FOCUS_FIG)
    handle = focus.element_handle()
    assert handle.evaluate(ACTIVE) == 0
    focus.locator(".updatemenu-button").filter(has_text="Play").click()
    page.wait_for_function(f"el => ({ACTIVE})(el) >= 3", arg=handle, timeout=8_000)
    expect(focus.locator(".annotation-text").filter(has_text=re.compile(r"Step \d+ of"))).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "bahdanau-focus-playing.png"))


def test_worked_step_hovers_show_the_arithmetic(page: Page, streamlit_url: str, screenshot_dir) -> None:
    cat = "The cat that was sitting on the mat, which was next to the dog, jumped."
    step = bahdanau.STEPS.index("One decoding step, with numbers") + 1
    page.goto(f"{streamlit_url}/bahdanau?text={cat}&present=1&step={step}")
    page.wait_for_selector(".js-plotly-plot", timeout=COLD_START_MS)
    wait_for_app(page)
    worked = _chart(page, bahdanau.WORKED_FIG)
    expect(worked.locator(".hm image")).to_have_count(6)  # six heatmaps: tanh(...), e, α, α h, W s and v, c
    page.screenshot(path=str(screenshot_dir / "bahdanau-worked-step.png"))
    alpha = worked.locator(".nsewdrag").nth(2).bounding_box()  # the α column
    assert alpha is not None
    page.mouse.move(alpha["x"] + alpha["width"] / 2, alpha["y"] + alpha["height"] * (16.5 / 17))  # "jumped"
    hover = page.locator(".hoverlayer .hovertext").first
    expect(hover).to_contain_text(re.compile(r"exp\(e"))
    expect(hover).to_contain_text("jumped")
