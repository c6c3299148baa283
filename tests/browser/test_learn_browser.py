"""Real browser, the learn page: start a training, watch its curves move, stop it, scrub the replay."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import wait_for_app

LIVE = ".st-key-learn_live_fig .js-plotly-plot"
ROW = ".st-key-learn_row_fig .js-plotly-plot"


def _points(page: Page) -> int:
    """How many logged steps the live chart draws (0 before it exists)."""
    return page.evaluate(
        f"() => {{ const g = document.querySelector('{LIVE}'); return g && g.data ? g.data[1].x.length : 0; }}"
    )


def _row_title(page: Page) -> str:
    return page.locator(f"{ROW} .gtitle").first.text_content() or ""


def test_train_watch_the_curves_move_stop_and_scrub(page: Page, streamlit_url: str, screenshot_dir) -> None:
    page.goto(f"{streamlit_url}/learn?learn_task=induction&learn_isteps=1500")
    page.wait_for_selector(".js-plotly-plot", timeout=300_000)
    wait_for_app(page, timeout=300_000)
    page.locator(".st-key-learn_start button").first.click()
    page.wait_for_selector(LIVE, timeout=300_000)  # the worker starts, the first steps are logged
    page.wait_for_function(
        f"() => {{ const g = document.querySelector('{LIVE}'); return g && g.data[1].x.length >= 3; }}",
        timeout=180_000,
    )
    first = _points(page)
    page.wait_for_function(
        f"n => {{ const g = document.querySelector('{LIVE}'); return g && g.data[1].x.length > n; }}",
        arg=first,
        timeout=120_000,
    )
    assert _points(page) > first, "the curves move while it trains"
    page.screenshot(path=str(screenshot_dir / "learn-live.png"))

    page.locator(".st-key-learn_stop button").first.click()
    source = page.locator(".st-key-learn_source")
    expect(source).to_be_visible(timeout=60_000)  # stopped: the replay now offers 'your run'
    wait_for_app(page, timeout=60_000)
    expect(page.get_by_text("Stopped at step", exact=False).first).to_be_visible()

    page.goto(f"{streamlit_url}/learn")  # the subject task: scrub its verb-row replay back to step 0
    page.wait_for_selector(ROW, timeout=300_000)
    wait_for_app(page, timeout=300_000)
    chart = page.locator(ROW)
    chart.scroll_into_view_if_needed()
    assert _row_title(page).startswith("Step 200")
    rail = chart.locator(".slider-rail-rect").first.bounding_box()
    grip = chart.locator(".slider-grip-rect").first.bounding_box()
    assert rail and grip
    page.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
    page.mouse.down()
    page.mouse.move(rail["x"] + 2, grip["y"] + grip["height"] / 2, steps=12)
    page.mouse.up()
    page.wait_for_function(
        f"() => document.querySelector('{ROW} .gtitle').textContent.startsWith('Step 0')", timeout=15_000
    )
    assert "not the subject" in _row_title(page), "untrained, the verb's largest weight is elsewhere"
    page.screenshot(path=str(screenshot_dir / "learn-scrubbed.png"))
