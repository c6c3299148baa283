"""Real browser on the generation page: Play writes token after token into the page and the link; Stop halts a
long generation and keeps what was written; the link reopens the same text in a fresh tab."""

from __future__ import annotations

import re
import urllib.parse

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import wait_for_app

LOAD_MS = 600_000  # a cold server loads SmolLM2 on first use; the machine may be busy
PROMPT = "The cat sat on the"


def _open(page: Page, streamlit_url: str, **params: str) -> None:
    query = urllib.parse.urlencode({"text": PROMPT, **params})
    page.goto(f"{streamlit_url}/generate?{query}")
    page.wait_for_selector(".st-key-gen_attn_chart .js-plotly-plot", timeout=LOAD_MS)
    wait_for_app(page, timeout=LOAD_MS)


def _written(page: Page) -> list[str]:
    raw = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query).get("gen_out", [""])[0]
    return raw.split(".") if raw else []


def test_play_writes_tokens_and_the_link_reopens_them(
    page: Page, browser: Browser, streamlit_url: str, screenshot_dir
) -> None:
    _open(page, streamlit_url, gen_len="3")
    page.locator(".st-key-gen_play button").first.click()
    expect(page).to_have_url(re.compile(r"gen_out=\d+\.\d+\.\d+(&|$)"), timeout=LOAD_MS)
    wait_for_app(page, timeout=LOAD_MS)
    assert len(_written(page)) == 3
    expect(page.locator(".st-key-gen_play button").first).to_be_disabled()
    title = page.locator(".st-key-gen_attn_chart .gtitle").first.text_content() or ""
    assert "(pass 4)" in title, title  # the newest pass: the fourth token's query
    page.screenshot(path=str(screenshot_dir / "generate-play.png"))

    fresh = browser.new_page(viewport={"width": 1280, "height": 2200})
    try:
        fresh.goto(page.url)
        fresh.wait_for_selector(".st-key-gen_attn_chart .js-plotly-plot", timeout=LOAD_MS)
        wait_for_app(fresh, timeout=LOAD_MS)
        expect(fresh).to_have_url(re.compile(r"gen_out="), timeout=LOAD_MS)
        assert _written(fresh) == _written(page)
        same = fresh.locator(".st-key-gen_attn_chart .gtitle").first.text_content() or ""
        assert same == title
    finally:
        fresh.close()


def test_stop_halts_a_long_generation_and_keeps_the_tokens(page: Page, streamlit_url: str) -> None:
    _open(page, streamlit_url, gen_len="64", text="Once upon a time")
    page.locator(".st-key-gen_all button").first.click()
    progress = page.get_by_text(re.compile(r"Writing: token [2-9]\d* of 64"))
    expect(progress).to_be_visible(timeout=LOAD_MS)
    page.locator(".st-key-gen_stop button").first.click()
    wait_for_app(page, timeout=LOAD_MS)
    expect(page).to_have_url(re.compile(r"gen_out="), timeout=LOAD_MS)
    written = _written(page)
    assert 1 <= len(written) < 64, f"Stop did not stop the generation: {len(written)} tokens"
    page.wait_for_timeout(2500)
    wait_for_app(page, timeout=LOAD_MS)
    assert _written(page) == written, "tokens were added after Stop"
    expect(page.locator(".st-key-gen_stop button").first).to_be_disabled()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
