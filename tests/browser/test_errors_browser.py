"""A page that fails in the served app: a friendly message at the top, no traceback, the frame kept.

The server runs with the test-only AE_TEST_FAULT hook (an environment variable; nothing in a URL reaches it),
which makes the causal page raise after its first figure, and with tracebacks hidden, as in production.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.common import free_port, streamlit_server
from tests.browser.conftest import wait_for_app
from ui.errors import ERROR_KEY, SHOW_TRACEBACKS_ENV, TEST_FAULT_ENV

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "artifacts" / "streamlit-fault-test.log"
SENTENCE = "the teacher writes on the board"


@pytest.fixture(scope="module")
def faulty_url() -> Iterator[str]:
    """A server whose causal page fails (AE_TEST_FAULT=causal), tracebacks hidden as in production."""
    port = free_port()
    env = {TEST_FAULT_ENV: "causal", SHOW_TRACEBACKS_ENV: "0"}
    with streamlit_server(port, LOG, env, timeout=90):
        yield f"http://127.0.0.1:{port}"


def test_failing_page_shows_friendly_message_keeps_sidebar_share_and_downloads(
    page: Page, faulty_url: str, screenshot_dir: Path
) -> None:
    page.goto(f"{faulty_url}/causal?{urllib.parse.urlencode({'text': SENTENCE})}")
    wait_for_app(page, timeout=120_000)
    message = page.locator(f".st-key-{ERROR_KEY}")
    expect(message).to_be_visible(timeout=60_000)
    expect(message).to_contain_text("Something went wrong")
    expect(message).to_contain_text("What to try")
    text = message.inner_text()
    reference = re.search(r"AE-[0-9a-f]{8}", text)
    assert reference, text
    body = page.locator("body").inner_text(timeout=120_000)
    assert "Traceback" not in body and "InjectedFaultError" not in body and "app_pages/" not in body
    assert page.locator("[data-testid='stException']").count() == 0
    # the message is near the top, above the fold of a projector
    box = message.bounding_box()
    assert box is not None and box["y"] < 720
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.locator("textarea")).to_have_value(SENTENCE)
    expect(sidebar.locator("[data-testid='stCode']").first).to_contain_text("causal")
    expect(sidebar.locator("[data-testid='stDownloadButton']").first).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_attached(timeout=180_000)  # placed before the failure
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=str(screenshot_dir / "error-boundary-1280x720.png"))
    # the traceback is in the server log, under the reference the user sees
    log = LOG.read_text(errors="replace")
    assert reference.group(0) in log and "Traceback (most recent call last)" in log
    assert "InjectedFaultError" in log


def test_other_pages_of_that_server_are_unaffected(page: Page, faulty_url: str) -> None:
    page.goto(f"{faulty_url}/multihead")
    wait_for_app(page, timeout=120_000)
    expect(page.locator(".js-plotly-plot").nth(2)).to_be_attached(timeout=180_000)  # all three charts
    assert page.locator(f".st-key-{ERROR_KEY}").count() == 0
