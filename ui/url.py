"""URL state: every setting is seeded from the link, saved per session, and written back to the URL.

Each setting is seeded, in order, from the URL (once per page visit), from the value the user last chose in
this session, or from its default. A value in the URL that does not parse falls back to the default and
leaves a notice. After the page has run, the URL holds exactly the settings of this view that differ from
their defaults. While `keep_offscreen_settings()` is in force for a run (presentation mode, where a lesson
shows one step), the settings of steps that are not on screen keep their last value too, so a link made at
step 1 still reproduces step 3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from attention_core.text import escape_markdown
from ui.notices import add_notice

_CLAIMED = "_ae_claimed"  # {url key: url value or None} claimed by widgets this run
_SAVED = "_ae_saved"  # last value per key, so values survive page switches
_SEEDED = "_ae_seeded"  # keys already seeded from the URL on this page visit
_PAGE = "_ae_page"  # the page of the previous run
_PAGE_KEYS = "_ae_page_keys"  # {page: {url key: last url value or None}} of every setting drawn there
_KEEP_OFFSCREEN = "_ae_keep_offscreen"  # this run keeps settings that are not drawn (presentation mode)
_FROM_LINK = "_ae_from_link"  # this page visit began from a link carrying settings: unset ones take defaults
_LABELS = "_ae_labels"  # {url key: (human label, value formatter)} of every setting seeded, for the exports
RESERVED_PARAMS = frozenset({"embed", "embed_options"})  # Streamlit's own URL parameters
PREFERENCE_KEYS = frozenset(
    {"present"}
)  # viewer preferences a link without them leaves as they are (PRESENT_KEY)


def begin_run(page_id: str, page_scoped: Iterable[str] = ()) -> None:
    """Start a run: nothing claimed yet; a new page visit forgets URL seeding and the `page_scoped` keys."""
    st.session_state[_CLAIMED] = {}
    st.session_state[_KEEP_OFFSCREEN] = False
    st.session_state.setdefault(_SAVED, {})
    if st.session_state.get(_PAGE) != page_id:
        st.session_state[_SEEDED] = set()
        st.session_state[_PAGE] = page_id
        from_link = any(key not in RESERVED_PARAMS for key in st.query_params)
        st.session_state[_FROM_LINK] = from_link
        if from_link:  # the link is the whole view: forget this page's settings of an earlier visit
            st.session_state.setdefault(_PAGE_KEYS, {}).pop(page_id, None)
        for key in page_scoped:
            st.session_state[_SAVED].pop(key, None)
            st.session_state.pop(key, None)


def keep_offscreen_settings() -> None:
    """For this run, keep the settings of this page that are not drawn (and link keys not drawn yet)."""
    st.session_state[_KEEP_OFFSCREEN] = True


def seed_value(
    key: str, default: Any, parse: Callable[[str], Any], label: str, shown: Callable[[Any], str] = str
) -> None:
    """Put the starting value of a setting into session state (URL, then saved, then default).

    On a visit that began from a link carrying settings, a setting the link does not carry starts at its
    default (presentation mode excepted): the link is the whole view.
    """
    st.session_state.setdefault(_LABELS, {})[key] = (label, shown)
    seeded: set[str] = st.session_state.setdefault(_SEEDED, set())
    if key in st.session_state and key in seeded:
        return
    from_link = st.session_state.get(_FROM_LINK, False) and key not in PREFERENCE_KEYS
    value = default if from_link else st.session_state[_SAVED].get(key, default)
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


def url_plan() -> tuple[dict[str, str], list[str]]:
    """What the URL should hold after this run, and the link's keys that no setting of this page knows.

    Settings drawn in this run give their values. When off-screen settings are kept, the settings of other
    steps keep their last value, and link keys not drawn yet are kept for the step that will draw them.
    Otherwise every setting is drawn, so anything else is dropped (with a notice when the link brought it and
    nothing on the page ever used it).
    """
    claimed: dict[str, str | None] = st.session_state.get(_CLAIMED, {})
    page_keys: dict[str, str | None] = st.session_state.get(_PAGE_KEYS, {}).get(
        st.session_state.get(_PAGE), {}
    )
    seeded = st.session_state.get(_SEEDED, set())
    keep = bool(st.session_state.get(_KEEP_OFFSCREEN, False))
    plan: dict[str, str] = {}
    if keep:
        plan.update({k: v for k, v in page_keys.items() if v is not None and k not in claimed})
    plan.update({k: v for k, v in claimed.items() if v is not None})
    unknown = []
    for key in st.query_params:
        if key in RESERVED_PARAMS or key in claimed or key in page_keys or key in seeded:
            continue
        if keep:
            plan[key] = st.query_params[key]  # for a step not on screen yet
        else:
            unknown.append(key)
    return plan, unknown


def claimed_settings() -> list[tuple[str, str, str]]:
    """Every setting drawn in this run, in order, as (url key, human label, value as shown)."""
    labels: dict[str, tuple[str, Callable[[Any], str]]] = st.session_state.get(_LABELS, {})
    saved: dict[str, Any] = st.session_state.get(_SAVED, {})
    rows = []
    for key in st.session_state.get(_CLAIMED, {}):
        label, shown = labels.get(key, (key, str))
        rows.append((key, label, shown(saved.get(key))))
    return rows


def claimed_params() -> dict[str, str]:
    """The non-default settings of this view, as the URL will hold them after this run."""
    return url_plan()[0]


def sync_url() -> list[str]:
    """Make the URL hold exactly this view's plan; returns the link's keys that no setting knows."""
    plan, unknown = url_plan()
    for key in list(st.query_params.keys()):
        if key not in RESERVED_PARAMS and key not in plan:
            del st.query_params[key]
    for key, value in plan.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    return unknown
