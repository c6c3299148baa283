"""URL-backed settings: every widget value lives in the URL so a link reopens the same view.

Each setting is seeded, in order, from the URL (once per page visit), from the value the user last
chose in this session, or from its default. A value in the URL that does not parse falls back to the
default and leaves a notice that the page shows at the top. After the page has run, the URL holds
exactly the settings of this view that differ from their defaults — including, in presentation mode, the
settings of lesson steps that are not on screen, so a link made at step 1 still reproduces step 3.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import streamlit as st

from attention_core.text import escape_markdown

T = TypeVar("T")

_NOTICES = "_ae_notices"  # messages for the current run
_CLAIMED = "_ae_claimed"  # {url key: url value or None} claimed by widgets this run
_SAVED = "_ae_saved"  # last value per key, so values survive page switches
_SEEDED = "_ae_seeded"  # keys already seeded from the URL on this page visit
_PAGE = "_ae_page"  # the page of the previous run
_FIGURES = "_ae_figures"  # (key, title, figure) placed this run, for the page exports
_PAGE_KEYS = "_ae_page_keys"  # {page: {url key: last url value or None}} of every setting drawn there
PRESENT_KEY = "present"  # presentation mode: lesson steps off screen keep their settings in the URL
RESERVED_PARAMS = frozenset({"embed", "embed_options"})
STEP_KEY = "step"  # the lesson step; it belongs to one page, so it is forgotten on a page switch


def begin_run(page_id: str) -> None:
    """Reset per-run bookkeeping; forget URL seeding when the user arrives on a new page."""
    st.session_state[_NOTICES] = []
    st.session_state[_CLAIMED] = {}
    st.session_state[_FIGURES] = []
    st.session_state.setdefault(_SAVED, {})
    if st.session_state.get(_PAGE) != page_id:
        st.session_state[_SEEDED] = set()
        st.session_state[_PAGE] = page_id
        st.session_state[_SAVED].pop(STEP_KEY, None)
        st.session_state.pop(STEP_KEY, None)


def add_notice(message: str) -> None:
    """Queue a friendly message for the top of the page (Markdown; escape user text first)."""
    notices = st.session_state.setdefault(_NOTICES, [])
    if message not in notices:
        notices.append(message)


def notices() -> list[str]:
    """The messages queued during this run."""
    return list(st.session_state.get(_NOTICES, []))


def register_figure(key: str, title: str, figure: object) -> None:
    """Remember a figure placed in this run, for the page's HTML and CSV exports."""
    st.session_state.setdefault(_FIGURES, []).append((key, title, figure))


def figures() -> list[tuple[str, str, object]]:
    """The figures placed during this run, in page order."""
    return list(st.session_state.get(_FIGURES, []))


def claimed_params() -> dict[str, str]:
    """The non-default settings of this view, as the URL will hold them after this run."""
    return _url_plan()[0]


def seed_value(
    key: str, default: Any, parse: Callable[[str], Any], label: str, shown: Callable[[Any], str] = str
) -> None:
    """Put the starting value of a setting into session state (URL, then saved, then default)."""
    seeded: set[str] = st.session_state.setdefault(_SEEDED, set())
    if key in st.session_state and key in seeded:
        return
    value = st.session_state[_SAVED].get(key, default)
    raw = st.query_params.get(key)
    if raw is not None and key not in seeded:
        parsed = parse(raw)
        if parsed is None:
            add_notice(
                f"The link sets **{escape_markdown(label)}** to “{escape_markdown(raw[:80])}”, which is not "
                f"allowed here, so it falls back to {escape_markdown(shown(default))}."
            )
            value = default
        else:
            value = parsed
    seeded.add(key)
    st.session_state[key] = value


def claim_value(key: str, value: Any, default: Any, to_url: Callable[[Any], str]) -> None:
    """Remember the widget's value and write it to the URL (defaults stay out of it)."""
    url_value = None if value == default else to_url(value)
    st.session_state[_SAVED][key] = value
    st.session_state[_CLAIMED][key] = url_value
    page_keys = st.session_state.setdefault(_PAGE_KEYS, {})
    page_keys.setdefault(st.session_state.get(_PAGE), {})[key] = url_value


def _url_plan() -> tuple[dict[str, str], list[str]]:
    """What the URL should hold after this run, and the link's keys that no setting of this page knows.

    Settings drawn in this run give their values. In presentation mode a lesson shows one step, so the
    settings of the other steps keep their last value, and link keys not drawn yet are kept for the step that
    will draw them. Outside presentation mode every setting is drawn, so anything else is dropped (with a
    notice when the link brought it and nothing on the page ever used it).
    """
    claimed: dict[str, str | None] = st.session_state.get(_CLAIMED, {})
    page_keys: dict[str, str | None] = st.session_state.get(_PAGE_KEYS, {}).get(
        st.session_state.get(_PAGE), {}
    )
    seeded = st.session_state.get(_SEEDED, set())
    presenting = bool(st.session_state.get(PRESENT_KEY, False))
    plan: dict[str, str] = {}
    if presenting:
        plan.update({k: v for k, v in page_keys.items() if v is not None and k not in claimed})
    plan.update({k: v for k, v in claimed.items() if v is not None})
    unknown = []
    for key in st.query_params:
        if key in RESERVED_PARAMS or key in claimed or key in page_keys or key in seeded:
            continue
        if presenting:
            plan[key] = st.query_params[key]  # for a step not on screen yet
        else:
            unknown.append(key)
    return plan, unknown


def end_run() -> None:
    """Make the URL hold this view's non-default settings; name unknown keys once."""
    plan, unknown = _url_plan()
    for key in unknown:
        add_notice(f"The link had an unknown setting “{escape_markdown(key[:40])}”; it was ignored.")
    for key in list(st.query_params.keys()):
        if key not in RESERVED_PARAMS and key not in plan:
            del st.query_params[key]
    for key, value in plan.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


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
