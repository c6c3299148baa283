"""The error boundary: a page that fails shows a short, friendly message; the traceback goes to the server log.

`app.py` runs each page inside `page_errors()`: the sidebar (sentence, presentation switch), the share box
and the downloads are drawn outside it, so they stay when a page fails half-way; the user keeps what they
typed. Two environment variables exist for tests and development only (nothing in a URL reaches them):

- `AE_SHOW_TRACEBACKS=1` also shows the exception element under the message (the test suite sets it, so a
  page that fails still fails its AppTest);
- `AE_TEST_FAULT=<url path>` makes that page raise after placing its first figure (the error tests use it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode

import streamlit as st

from attention_core.text import escape_markdown

SHOW_TRACEBACKS_ENV = "AE_SHOW_TRACEBACKS"
TEST_FAULT_ENV = "AE_TEST_FAULT"
ERROR_KEY = "ae_page_error"  # the message's container key, for tests
_RUNNING = "_ae_running_page"  # session state: the url path of the page running now

_log = logging.getLogger("attention_explorer")
if not _log.handlers:  # the server log is streamlit's stderr
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _log.addHandler(_handler)
    _log.setLevel(logging.INFO)
    _log.propagate = False


class InjectedFaultError(RuntimeError):
    """The failure `AE_TEST_FAULT` asks for (tests only)."""


def maybe_inject_fault(figures_placed: int) -> None:
    """Raise `InjectedFaultError` once the page named in AE_TEST_FAULT has placed its first figure (tests only)."""
    target = os.environ.get(TEST_FAULT_ENV)
    if target and figures_placed >= 1 and st.session_state.get(_RUNNING) == target:
        raise InjectedFaultError(f"a test fault injected into the {target} page ({TEST_FAULT_ENV})")


def _defaults_link(url_path: str, text: str | None) -> str:
    """A relative link to this page with the sentence kept and every other setting at its default."""
    query = urlencode({"text": text}) if text else ""
    return f"./{url_path}" + (f"?{query}" if query else "")


def show_page_error(url_path: str, page_title: str, reference: str, text: str | None) -> None:
    """The friendly message: what happened, that nothing is lost, what to try, and a reference for the log."""
    with st.container(key=ERROR_KEY):
        st.error(
            f"**Something went wrong while drawing “{escape_markdown(page_title)}”**, so part of this page is "
            "missing. Your sentence and settings are kept.\n\n"
            "What to try:\n"
            "- change the setting you changed last back, or try a shorter sentence;\n"
            f"- [open this page with its default settings]({_defaults_link(url_path, text)}) "
            "(your sentence stays);\n"
            "- if it happens again, tell whoever runs this app the reference below.\n\n"
            f"Reference: `{reference}` (the details are in the server log).",
            icon=":material/error:",
        )


@contextlib.contextmanager
def page_errors(
    url_path: str, page_title: str, message_area: object, settings: dict[str, str], text: str | None
) -> Iterator[None]:
    """Run a page; an exception becomes the friendly message (in `message_area`, at the top of the page)
    plus a logged traceback, never a raw trace.

    Streamlit's own control flow (st.rerun, st.switch_page, st.stop) is a BaseException and passes through.
    """
    st.session_state[_RUNNING] = url_path
    try:
        yield
    except Exception as exc:
        reference = f"AE-{uuid.uuid4().hex[:8]}"
        _log.error(
            "page %r failed (reference %s) with settings %s",
            url_path,
            reference,
            {k: v[:200] for k, v in settings.items()},
            exc_info=exc,
        )
        with message_area:  # type: ignore[attr-defined]
            show_page_error(url_path, page_title, reference, text)
            if os.environ.get(SHOW_TRACEBACKS_ENV) == "1":
                st.exception(exc)
