"""A page that fails shows a short friendly message with what to try, keeps the sidebar, the share box and the
downloads, and logs the traceback; the failure is forced with the test-only AE_TEST_FAULT hook."""

from __future__ import annotations

import logging

import pytest

from tests.app.conftest import open_app
from ui.errors import ERROR_KEY, SHOW_TRACEBACKS_ENV, TEST_FAULT_ENV

PAGE = "app_pages/causal.py"
SENTENCE = "the quick brown fox jumps"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_log() -> list[logging.LogRecord]:
    """What the app writes to the server log during the test."""
    handler = _Records()
    logger = logging.getLogger("attention_explorer")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def _messages(at) -> list[str]:
    return [e.value for e in at.error]


def test_a_failing_page_shows_a_friendly_message_and_keeps_the_frame(
    monkeypatch: pytest.MonkeyPatch, server_log: list[logging.LogRecord]
) -> None:
    monkeypatch.setenv(TEST_FAULT_ENV, "causal")
    monkeypatch.delenv(SHOW_TRACEBACKS_ENV, raising=False)  # what a user of the served app sees
    at = open_app(PAGE, {"text": SENTENCE, "ca_seed": "5"})
    assert not at.exception  # no traceback element
    (message,) = [m for m in _messages(at) if "Something went wrong" in m]
    assert "Causal attention" in message and "What to try" in message
    assert "default settings" in message and "?text=the+quick+brown+fox+jumps" in message
    reference = message.split("Reference: `")[1].split("`")[0]
    assert reference.startswith("AE-")
    shown = " ".join([*_messages(at), *(m.value for m in at.markdown), *(c.value for c in at.code)])
    assert "Traceback" not in shown and "InjectedFaultError" not in shown and ".py" not in message
    # the frame stays: the sentence as typed, the presentation switch, the share box with this view's link, the
    # downloads of the figures placed before the failure
    assert at.text_area(key="text").value == SENTENCE
    assert at.toggle(key="present").value is False
    assert any("causal" in c.value and "ca_seed=5" in c.value for c in at.sidebar.code)
    assert len(at.sidebar.get("download_button")) >= 1
    assert len(at.get("plotly_chart")) == 1  # the first figure, placed before the failure
    # the traceback and the reference went to the server log
    (record,) = [r for r in server_log if reference in r.getMessage()]
    assert record.exc_info is not None and record.exc_info[0].__name__ == "InjectedFaultError"
    assert "ca_seed" in record.getMessage()


def test_the_page_recovers_on_the_next_run_and_the_message_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEST_FAULT_ENV, "causal")
    monkeypatch.delenv(SHOW_TRACEBACKS_ENV, raising=False)
    at = open_app(PAGE)
    assert any("Something went wrong" in m for m in _messages(at))
    monkeypatch.delenv(TEST_FAULT_ENV)
    at.run()
    assert not at.exception and not any("Something went wrong" in m for m in _messages(at))
    assert len(at.get("plotly_chart")) >= 4


def test_with_tracebacks_on_the_exception_is_shown_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test suite runs with AE_SHOW_TRACEBACKS=1, so a failing page still fails its AppTest."""
    monkeypatch.setenv(TEST_FAULT_ENV, "causal")
    monkeypatch.setenv(SHOW_TRACEBACKS_ENV, "1")
    at = open_app(PAGE)
    assert at.exception and "test fault injected" in at.exception[0].value
    assert any("Something went wrong" in m for m in _messages(at))


def test_no_fault_no_message() -> None:
    at = open_app(PAGE)
    assert not at.exception and not any("Something went wrong" in m for m in _messages(at))
    assert ERROR_KEY == "ae_page_error"
