"""Security in a real browser: script and HTML payloads in the sentence and in every URL setting of every page.

For each registered page: open it from a link whose sentence and settings all carry payloads, then type a
payload into the sentence box. Every payload marks itself (``data-pwned`` attribute, ``window.__pwned``), so
"nothing ran and nothing was injected" is a precise check: no dialog fired, ``window.__pwned`` is unset, no
element with ``data-pwned`` and no ``javascript:`` link exists in the page or any of its frames, and the
sentence box shows the payload as the literal text it is. A page's settings are read from the page itself
(Streamlit marks keyed widgets with an ``st-key-<key>`` class), so new pages are covered without changes here.

And nothing leaves the machine: visiting every page (and opening the ⋮ menu) requests only the app's own
server on 127.0.0.1, not even for an icon.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.browser.conftest import sentence_box, wait_for_app
from ui.pages import PAGES

SENTENCE_PAYLOAD = (
    "<script>window.__pwned=1;alert('script')</script> "
    '<img data-pwned src=x onerror="window.__pwned=1;alert(1)"> '
    '<svg data-pwned onload="window.__pwned=1;alert(2)"></svg> '
    "<b data-pwned>bold</b> [click](javascript:window.__pwned=1) "
    '<iframe data-pwned src="javascript:alert(3)"></iframe> '
    r"$\href{javascript:alert(4)}{x}$ cat"
)
SETTING_PAYLOAD = '"><img data-pwned src=x onerror="window.__pwned=1;alert(5)">'
TYPED_PAYLOAD = '<img data-pwned src=y onerror="window.__pwned=1;alert(6)"> <script>alert(7)</script> dog'

INJECTED_JS = """() => {
  const docs = [document];
  for (const f of document.querySelectorAll('iframe')) {
    try { if (f.contentDocument) docs.push(f.contentDocument); } catch (e) {}
  }
  const hits = [];
  for (const d of docs) {
    for (const el of d.querySelectorAll('[data-pwned], a[href^="javascript:" i], script:not([src])')) {
      if (el.tagName === 'SCRIPT' && !/pwned|alert\\(/.test(el.textContent)) continue;
      hits.push(el.outerHTML.slice(0, 120));
    }
  }
  return {hits, pwned: window.__pwned === 1};
}"""


def _url(base: str, url_path: str, params: dict[str, str]) -> str:
    """The page's address; the first (default) page lives at '/', its url_path would be 'not found'."""
    path = "" if url_path == PAGES[0].url_path else url_path
    return f"{base}/{path}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}"


def _setting_keys(page: Page) -> list[str]:
    """The keys of the page's keyed input widgets (its URL settings), read from the DOM."""
    classes = page.locator("[class*='st-key-']").evaluate_all(
        "els => els.filter(e => e.querySelector('input, textarea, [role=slider], [role=combobox], "
        "[role=radiogroup], [role=switch], [role=checkbox], [data-baseweb=select]')).map(e => e.className)"
    )
    keys = {m for c in classes for m in re.findall(r"st-key-([A-Za-z0-9_\-]+)", c)}
    return sorted(keys - {"text"})


def _assert_clean(page: Page, dialogs: list[str], where: str) -> None:
    result = page.evaluate(INJECTED_JS)
    assert dialogs == [], f"{where}: a dialog fired: {dialogs}"
    assert not result["pwned"], f"{where}: injected script ran"
    assert result["hits"] == [], f"{where}: injected elements: {result['hits']}"
    raised = page.locator("[data-testid='stException']").all_inner_texts()
    assert raised == [], f"{where}: the page raised: {raised}"


def _settle(page: Page) -> None:
    page.wait_for_selector("[data-testid='stSidebar'] textarea", timeout=60_000)
    wait_for_app(page, timeout=120_000)
    page.wait_for_timeout(300)  # let onerror/onload handlers fire if anything had been injected
    wait_for_app(page, timeout=120_000)


@pytest.mark.parametrize("info", PAGES, ids=[p.url_path for p in PAGES])
def test_payloads_in_link_and_sentence_stay_text(page: Page, streamlit_url: str, info) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    page.goto(_url(streamlit_url, info.url_path, {"text": SENTENCE_PAYLOAD}))
    _settle(page)
    box = sentence_box(page)
    expect(box).to_have_value(SENTENCE_PAYLOAD)
    _assert_clean(page, dialogs, f"{info.url_path}?text=payload")

    keys = _setting_keys(page)
    params = {"text": SENTENCE_PAYLOAD, **dict.fromkeys(keys, SETTING_PAYLOAD), "zz_<b data-pwned>": "1"}
    page.goto(_url(streamlit_url, info.url_path, params))
    _settle(page)
    expect(box).to_have_value(SENTENCE_PAYLOAD)
    _assert_clean(page, dialogs, f"{info.url_path} with every setting ({', '.join(keys)}) = payload")
    alerts = page.locator("[data-testid='stAlert']")
    if keys:  # refused settings are named in a notice, and the payload shows as text in it
        expect(alerts.filter(has_text="not allowed").first).to_be_visible()
    expect(alerts.filter(has_text="unknown setting").first).to_be_visible()

    box.fill(TYPED_PAYLOAD)
    box.press("Control+Enter")
    page.wait_for_function(
        "want => new URLSearchParams(location.search).get('text') === want", arg=TYPED_PAYLOAD, timeout=60_000
    )
    _settle(page)
    expect(box).to_have_value(TYPED_PAYLOAD)
    _assert_clean(page, dialogs, f"{info.url_path} after typing a payload")


def test_unknown_page_address_opens_the_app(page: Page, streamlit_url: str) -> None:
    """A mistyped page address (with a payload in it) shows the first page and Streamlit's 'not found'."""
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{streamlit_url}/no-such-page%3Cimg%20data-pwned%20src=x%20onerror=alert(1)%3E?text=the%20cat")
    _settle(page)
    expect(sentence_box(page)).to_have_value("the cat")
    expect(page.get_by_text(re.compile("Page not found", re.I)).first).to_be_visible()
    _assert_clean(page, dialogs, "unknown page")


_LOCAL = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:")


def test_no_request_leaves_the_machine(browser: Browser, streamlit_url: str) -> None:
    """Every page, once, in a browser where any request to another host is recorded and refused."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    outside: list[str] = []

    def refuse(route: Route, request: Request) -> None:
        outside.append(f"{request.url[:120]} (on {current})")
        route.abort()

    current = ""
    context.route(lambda url: not url.startswith(_LOCAL), refuse)
    context.on(
        "request", lambda r: r.url.startswith(_LOCAL) or outside.append(f"{r.url[:120]} (on {current})")
    )
    page = context.new_page()
    page.on("websocket", lambda ws: ws.url.startswith(_LOCAL) or outside.append(f"websocket {ws.url}"))
    try:
        for info in PAGES:
            current = info.url_path
            page.goto(_url(streamlit_url, info.url_path, {}))
            _settle(page)
            page.wait_for_timeout(500)  # late fetches: icons, fonts, images
        page.locator("[data-testid=stMainMenu]").click()
        page.wait_for_selector("[data-testid=stMainMenuPopover]")
        page.wait_for_timeout(500)
        favicon = page.locator("link[rel~=icon]").first.get_attribute("href") or ""
    finally:
        context.close()
    assert sorted(set(outside)) == []
    assert favicon.startswith("data:image/svg+xml")  # the app's own icon, inlined (ui/favicon.svg)
