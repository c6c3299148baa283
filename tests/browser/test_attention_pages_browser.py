"""Real browser, trainable, causal and multi-head pages: toggle the causal mask and a head and see the heatmaps change; screenshots."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import by_key, chart, wait_for_app


def _texts(figure: Locator) -> list[str]:
    """Every SVG text the browser drew in a chart (cell numbers, titles, ticks)."""
    return figure.locator("svg text").evaluate_all("els => els.map(e => e.textContent)")


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    wait_for_app(page)


def test_multihead_causal_toggle_and_head_switch(page: Page, streamlit_url: str, screenshot_dir) -> None:
    _open(page, f"{streamlit_url}/multihead")
    heads = chart(page, "mh_heads_fig")
    expect(heads).to_be_visible()
    before = _texts(heads)
    assert before.count("0") >= 2 * 15  # two heads, 15 masked cells each (6 tokens), plus a colour-bar tick
    expect(page.get_by_text("[0.3190, 0.4858]", exact=False).first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "multihead-default.png"))

    by_key(page, "mh_causal").locator("label").first.click()
    expect(page).to_have_url(re.compile(r"mh_causal=0"))
    page.wait_for_function(
        "() => { const c = document.querySelector('.st-key-mh_heads_fig .js-plotly-plot');"
        " return c && [...c.querySelectorAll('svg text')].filter(t => t.textContent === '0').length < 5; }",
        timeout=15_000,
    )
    wait_for_app(page)
    after = _texts(chart(page, "mh_heads_fig"))
    assert before.count("0") - after.count("0") == 2 * 15  # every token now sees every token
    page.screenshot(path=str(screenshot_dir / "multihead-mask-off.png"))

    effect = chart(page, "mh_effect_fig")
    effect_before = _texts(effect)
    by_key(page, "mh_h2").locator("label").first.click()
    expect(page).to_have_url(re.compile(r"mh_h2=0"))
    page.wait_for_function(
        "() => [...document.querySelectorAll('.st-key-mh_heads_fig svg text')].some(t => t.textContent.includes('(off)'))",
        timeout=15_000,
    )
    wait_for_app(page)
    assert any("head 2" in t and "(off)" in t for t in _texts(chart(page, "mh_heads_fig")))
    effect_after = _texts(chart(page, "mh_effect_fig"))
    assert effect_after != effect_before  # the output changed
    expect(page.get_by_text("Largest change in the output")).to_be_visible()
    expect(
        by_key(page, "mh_parity_result").get_by_text("Every PyTorch reference gives the same result")
    ).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "multihead-head2-off.png"))


def test_causal_page_mask_toggle_changes_what_tokens_see(
    page: Page, streamlit_url: str, screenshot_dir
) -> None:
    _open(page, f"{streamlit_url}/causal")
    see = chart(page, "ca_see_fig")
    before = _texts(see)
    weights = chart(page, "ca_weights_fig")
    assert "0.5517" in _texts(weights) and "0.4483" in _texts(weights)  # the book's masked weights
    page.screenshot(path=str(screenshot_dir / "causal-default.png"))
    by_key(page, "ca_mask").locator("label").first.click()
    expect(page).to_have_url(re.compile(r"ca_mask=0"))
    page.wait_for_function(
        "() => [...document.querySelectorAll('.st-key-ca_weights_fig svg text')].some(t => t.textContent.includes('Mask off'))",
        timeout=15_000,
    )
    wait_for_app(page)
    after = _texts(chart(page, "ca_see_fig"))
    assert after != before and after.count("step") > before.count("step")  # later tokens are visible now
    page.screenshot(path=str(screenshot_dir / "causal-mask-off.png"))


def test_trainable_page_shows_book_numbers(page: Page, streamlit_url: str, screenshot_dir) -> None:
    _open(page, f"{streamlit_url}/trainable")
    expect(page.get_by_text("[0.4306, 1.4551]")).to_be_visible()
    expect(page.get_by_text("[0.3061, 0.8210]")).to_be_visible()
    weights = chart(page, "tw_attn_weights_fig")
    assert "0.2264" in _texts(weights)
    by_key(page, "tw_scale").locator("label").first.click()
    expect(page).to_have_url(re.compile(r"tw_scale=0"))
    page.wait_for_function(
        "() => { const c = document.querySelector('.st-key-tw_attn_weights_fig .js-plotly-plot');"
        " return c && ![...c.querySelectorAll('svg text')].some(t => t.textContent === '0.2264'); }",
        timeout=15_000,
    )
    page.screenshot(path=str(screenshot_dir / "trainable-unscaled.png"))
