"""Browser tests: one `streamlit run` server per session, driven by Playwright in Debian chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import CHROMIUM, CHROMIUM_ARGS, free_port, streamlit_server
from ui.share import EXPORT_HTML_KEY

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything in this folder as a browser test."""
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def streamlit_url() -> Iterator[str]:
    """Start the app on a free loopback port and yield its base URL once /_stcore/health answers."""
    port = free_port()
    with streamlit_server(port, ROOT / "artifacts" / "streamlit-test.log", timeout=60):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's chromium (Playwright cannot download its own browser here)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A projector-sized, tall viewport (Streamlit scrolls an inner container, so full_page misses it)."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 2200}}


@pytest.fixture
def screenshot_dir() -> Path:
    """Where browser tests save screenshots (kept out of git)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished its run: no running indicator and no stale element left from the last
    run (CI once found a by-key button twice, a stale copy beside the new one)."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-stale=\"true\"]')",
        timeout=timeout,
    )


def by_key(page, key: str):
    """The element Streamlit drew for the widget, chart or container with this key (its `st-key-` class)."""
    return page.locator(f".st-key-{key}")


def chart(page, key: str):
    """The Plotly chart placed with this key."""
    return by_key(page, key).locator(".js-plotly-plot").first


def open_export_offline(page, browser, target: Path, n_figures: int, height: int, timeout: float):
    """Download the page's HTML export to `target`, open it in an offline browser context and wait for its
    `n_figures` charts; asserts it fetched nothing from the network (plotly.js inlined). Returns (context, viewer):
    the caller closes the context."""
    with page.expect_download(timeout=timeout) as download_info:
        # this Streamlit's download button with help holds two <button>s; the labelled one is in the tooltip target
        by_key(page, EXPORT_HTML_KEY).locator("[data-testid='stTooltipHoverTarget'] button").click()
    download_info.value.save_as(target)
    offline = browser.new_context(offline=True, viewport={"width": 1280, "height": height})
    viewer = offline.new_page()
    requests: list[str] = []
    viewer.on("request", lambda r: requests.append(r.url))
    viewer.goto(target.as_uri())
    viewer.wait_for_function(
        f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n_figures}", timeout=timeout
    )
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []  # plotly.js inlined
    return offline, viewer


def sentence_box(page):
    """The shared sentence box in the sidebar."""
    return by_key(page, "text").locator("textarea")
