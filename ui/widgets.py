"""URL-backed widgets: a selectbox, sliders, a toggle, a text box and a token menu whose values live in the URL.

Every widget takes a `key`, which is also its URL parameter: declare it as a constant at the top of the page,
with the page's own prefix (see docs/adding-a-page.md). A value from a link that is not allowed falls back to
the default with a notice; defaults stay out of the URL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import streamlit as st

from ui.url import claim_value, seed_value

T = TypeVar("T")


def _parse_choice(options: Sequence[T], fmt: Callable[[T], str]) -> Callable[[str], T | None]:
    lookup = {fmt(o): o for o in options}
    return lambda raw: lookup.get(raw)


def url_selectbox(
    label: str,
    options: Sequence[T],
    key: str,
    default: T,
    url_format: Callable[[T], str] = str,
    widget: Callable[..., Any] | None = None,
    **kwargs: Any,
) -> T:
    """A selectbox (or radio / segmented control via `widget`) whose value lives in the URL under `key`."""
    options = list(options)
    if default not in options:
        default = options[0]
    seed_value(key, default, _parse_choice(options, url_format), label, kwargs.get("format_func", url_format))
    if st.session_state[key] not in options:  # options changed (e.g. a shorter sentence)
        st.session_state[key] = default
    value = (widget or st.selectbox)(label, options, key=key, **kwargs)
    claim_value(key, value, default, url_format)
    return value


def _parse_number(cast: Callable[[str], float], lo: float, hi: float) -> Callable[[str], Any]:
    """A parser for numbers in [lo, hi] (None for anything else, nan included)."""

    def parse(raw: str) -> Any:
        try:
            value = cast(raw)
        except ValueError:
            return None
        return value if lo <= value <= hi else None

    return parse


def parse_int(lo: int, hi: int) -> Callable[[str], int | None]:
    """A parser for integers in [lo, hi]."""
    return _parse_number(int, lo, hi)


def url_slider(label: str, lo: int, hi: int, key: str, default: int, **kwargs: Any) -> int:
    """An integer slider whose value lives in the URL under `key`; out-of-range links fall back."""
    seed_value(key, default, parse_int(lo, hi), label, str)
    st.session_state[key] = min(max(int(st.session_state[key]), lo), hi)
    value = st.slider(label, lo, hi, key=key, **kwargs)
    claim_value(key, value, default, str)
    return value


def url_float_slider(
    label: str, lo: float, hi: float, key: str, default: float, step: float, **kwargs: Any
) -> float:
    """A float slider whose value lives in the URL under `key`; out-of-range links fall back."""
    seed_value(key, default, _parse_number(float, lo, hi), label, str)
    value = st.slider(label, lo, hi, key=key, step=step, **kwargs)
    claim_value(key, value, default, lambda v: f"{v:g}")
    return value


_TRUE, _FALSE = {"1", "true", "on", "yes"}, {"0", "false", "off", "no"}


def _parse_bool(raw: str) -> bool | None:
    low = raw.strip().lower()
    return True if low in _TRUE else False if low in _FALSE else None


def url_toggle(label: str, key: str, default: bool, **kwargs: Any) -> bool:
    """An on/off toggle whose value lives in the URL under `key` as 1 or 0."""
    seed_value(key, default, _parse_bool, label, lambda v: "on" if v else "off")
    value = st.toggle(label, key=key, **kwargs)
    claim_value(key, value, default, lambda v: "1" if v else "0")
    return value


def url_text(
    label: str, key: str, default: str, max_url_chars: int, widget: Callable[..., Any], **kwargs: Any
) -> str:
    """A text box whose value lives in the URL under `key` (the URL keeps at most `max_url_chars`)."""
    seed_value(key, default, lambda raw: raw, label, repr)
    value = widget(label, key=key, **kwargs)
    claim_value(key, value, default, lambda v: v[:max_url_chars])
    return value


def _position_of(name: str) -> int | None:
    """The 0-based position in a position name like '3 · cat'."""
    head = name.split(" · ", 1)[0]
    return int(head) - 1 if head.isdigit() else None


def url_token_select(label: str, names: Sequence[str], key: str, default_index: int, **kwargs: Any) -> int:
    """Pick a token by its position name ('3 · cat'); the URL keeps the 1-based position, the return is 0-based.

    The options are the names themselves (not positions with a format function), so a new sentence never
    leaves a stale label on screen; the chosen position is kept when the sentence changes, if it still exists.
    """
    names = list(names)
    default_index = min(max(default_index, 0), len(names) - 1)
    stale = st.session_state.get(key)
    if isinstance(stale, str) and stale not in names:
        pos = _position_of(stale)
        st.session_state[key] = names[pos] if pos is not None and pos < len(names) else names[default_index]
    name = url_selectbox(
        label, names, key, names[default_index], url_format=lambda n: str(names.index(n) + 1), **kwargs
    )
    return names.index(name)
