"""Every page restores every setting from its link: change each control, reopen the URL, compare."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import element_tree

from tests.app.conftest import notices, open_app
from tests.support.plotly import chart_specs
from ui.pages import PAGES

SKIP_KEYS = {"text"}  # the shared sentence has its own tests


def _controls(at) -> dict[str, object]:
    """Every keyed setting widget on the page and its value."""
    found = {}
    for kind in ("selectbox", "slider", "toggle", "radio", "select_slider", "number_input", "checkbox"):
        for widget in getattr(at, kind):
            if widget.key and not widget.key.startswith("_") and widget.key not in SKIP_KEYS:
                found[(kind, widget.key)] = widget.value
    return found


def _change(at, kind: str, key: str, value: object) -> bool:
    """Move one control to another allowed value; False when it has no other value or is disabled."""
    widget = getattr(at, kind)(key=key)
    if widget.disabled:
        return False
    if kind in ("selectbox", "radio"):
        options = list(widget.options)  # the labels the browser shows and sends back
        if len(options) < 2:
            return False
        current = widget.index
        widget.set_value(options[-1] if current != len(options) - 1 else options[0])
        return True
    if kind in ("toggle", "checkbox"):
        widget.set_value(not value)
        return True
    if kind == "slider":
        lo, hi = widget.min, widget.max
        if lo == hi:
            return False
        widget.set_value(hi if value != hi else lo)
        return True
    return False


@pytest.fixture(autouse=True)
def _choose_by_label(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a test pick a menu entry by its label, as the browser does (AppTest's `index` re-formats it)."""
    for cls in (element_tree.Selectbox, element_tree.Radio):
        original = cls.index

        def index(self, _original=original):
            if isinstance(self._value, str) and self._value in self.options:
                return self.options.index(self._value)
            return _original.fget(self)

        monkeypatch.setattr(cls, "index", property(index))


@pytest.mark.parametrize(
    "info", [p for p in PAGES if p.url_path not in {"home", "teach"}], ids=lambda p: p.url_path
)
def test_link_reopens_the_same_view(info) -> None:
    at = open_app(info.path, {"text": "the small cat sees the big dog"}, timeout=240)
    assert not at.exception
    changed = 0
    for kind, key in list(_controls(at)):
        try:
            current = getattr(at, kind)(key=key)
        except KeyError:  # hidden by an earlier change
            continue
        if _change(at, kind, key, current.value):
            at.run()
            assert not at.exception, f"{info.path}: {kind} {key}"
            changed += 1
    assert changed >= 1, f"{info.path} has no settings to change"
    settings = _controls(at)
    charts = _raw_specs(at)
    params = {k: v for k, v in at.query_params.items()}
    assert params, "non-default settings must be in the URL"

    reopened = open_app(info.path, params, timeout=240)
    assert not reopened.exception
    assert notices(reopened) == notices(at)
    assert _controls(reopened) == settings
    assert _raw_specs(reopened) == charts  # the same figures, byte for byte


def _raw_specs(at) -> dict[str, str]:
    """Each chart's Plotly JSON as sent to the browser, keyed by chart key."""
    return {key: at.get("plotly_chart")[i].proto.spec for i, key in enumerate(chart_specs(at))}
