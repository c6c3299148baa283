"""Real browser: open the app, go to the simplified page, type a sentence, see the heatmap update."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import chart, sentence_box, wait_for_app


def _heatmap_ticks(page: Page) -> list[str]:
    """The y tick labels of the attention-weights heatmap, as the browser drew them."""
    return (
        chart(page, "weights_matrix_fig")
        .locator(".yaxislayer-above .ytick text")
        .evaluate_all("els => els.map(e => e.textContent)")
    )


def test_type_sentence_updates_heatmap(page: Page, streamlit_url: str, screenshot_dir) -> None:
    page.goto(streamlit_url)
    wait_for_app(page)
    page.get_by_role("link", name=re.compile("Simplified self-attention")).first.click()
    page.wait_for_selector(".js-plotly-plot")
    wait_for_app(page)
    expect(page.get_by_text("[0.4419, 0.6515, 0.5683]")).to_be_visible()
    assert _heatmap_ticks(page) == ["Your", "journey", "starts", "with", "one", "step"]

    box = sentence_box(page)
    box.fill("the cat sat on the mat")
    box.press("Control+Enter")
    expect(page).to_have_url(re.compile(r"text=the\+cat\+sat|text=the%20cat%20sat"))
    page.wait_for_function(
        "() => [...document.querySelectorAll('.ytick text')].some(t => t.textContent === 'mat')",
        timeout=15_000,
    )
    wait_for_app(page)
    assert _heatmap_ticks(page) == ["the", "cat", "sat", "on", "the", "mat"]
    page.screenshot(path=str(screenshot_dir / "simplified-custom-sentence.png"))


def test_link_restores_sentence_and_html_stays_text(page: Page, streamlit_url: str, screenshot_dir) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    payload = "<img src=x onerror=alert(1)> <b>bold</b>"
    page.goto(f"{streamlit_url}/simplified?text=" + payload.replace(" ", "%20"))
    page.wait_for_selector(".js-plotly-plot")
    wait_for_app(page)
    expect(sentence_box(page)).to_have_value(payload)
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("[data-testid='stMain'] b:text('bold')").count() == 0
    assert "img" in _heatmap_ticks(page)
    assert dialogs == []
