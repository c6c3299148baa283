"""Lesson-plan links are self-contained: each opens on its own sentence and settings, whatever the session held.

For every prepared view of the lesson plan (generated from the registry), a session first opens the page with
another sentence and generated settings (the page's space in tests/app/settings_space.py), goes to the Teach page, and
then follows the prepared view's link. The page must show exactly what the same link shows in a fresh session:
the view's sentence in the sidebar, the same URL (every setting) and the same charts. Presentation mode is the
viewer's preference: a link that does not set it keeps the session's.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from attention_core.text import DEFAULT_SENTENCE
from tests.app.conftest import notices, open_app
from tests.app.settings_space import SETTINGS_SPACE, Params
from ui.pages import PAGES, PageInfo, PreparedView
from ui.present import PRESENT_KEY
from ui.sentence import TEXT_KEY
from ui.url import PREFERENCE_KEYS

TEACH = "app_pages/teach.py"
STOPS = [(info, view) for info in PAGES if info.plan is not None for view in info.plan.views]
TIMEOUT = 180
OTHER_SENTENCES = ("a quick brown fox jumps over the lazy dog", "the cat sat on the mat")


def _page_settings(params: Params) -> set[str]:
    """The page's own settings in a link (not the sentence, presentation mode or step)."""
    return set(params) - {TEXT_KEY, PRESENT_KEY, "step"}


@st.composite
def session_links(draw: st.DrawFn, url_path: str) -> Params:
    """What the session held before the lesson link: another sentence (a short one, so the model pages stay
    quick), maybe presentation mode at some step, and generated settings of the page's own."""
    space = SETTINGS_SPACE[url_path]
    text = draw(st.sampled_from(OTHER_SENTENCES))
    params: Params = {TEXT_KEY: text}
    if draw(st.booleans()):
        params[PRESENT_KEY] = "1"
        if space.steps:
            params["step"] = str(draw(st.integers(1, space.steps)))
    return params | space.settings(draw, text)


def _charts(at: AppTest) -> list[str]:
    return [chart.proto.spec for chart in at.get("plotly_chart")]


def _follow(at: AppTest, path: str, params: Params) -> AppTest:
    """Click a link in a running session: the URL becomes the link's, the page switches."""
    at.query_params.clear()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(path)
    return at.run()


def test_every_link_carries_its_sentence() -> None:
    for info, view in STOPS:
        link = view.link_params
        assert link[TEXT_KEY] == view.params.get(TEXT_KEY, DEFAULT_SENTENCE), (info.url_path, view.label)
        assert dict(view.params).items() <= link.items()


def test_presentation_mode_is_the_only_preference() -> None:
    assert {PRESENT_KEY} == PREFERENCE_KEYS


@pytest.mark.parametrize(("info", "view"), STOPS, ids=[f"{i.url_path}:{v.label}" for i, v in STOPS])
@settings(max_examples=1, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_lesson_link_overrides_the_session(info: PageInfo, view: PreparedView, data: st.DataObject) -> None:
    """After another sentence and other settings, the stop's link shows what it shows in a fresh session."""
    link = view.link_params
    dirty = data.draw(
        session_links(info.url_path).filter(lambda p: p[TEXT_KEY] != link[TEXT_KEY] and _page_settings(p)),
        label="the session's link before",
    )
    at = open_app(SETTINGS_SPACE[info.url_path].path, dirty, timeout=TIMEOUT)
    assert not at.exception
    assert at.text_area(key=TEXT_KEY).value == dirty[TEXT_KEY]
    at = _follow(at, TEACH, {})  # the navigation: no link settings, the session keeps its sentence
    assert at.text_area(key=TEXT_KEY).value == dirty[TEXT_KEY]
    at = _follow(at, info.path, link)
    assert not at.exception, view.label

    # what the same link shows in a fresh session (with the session's presentation mode, a preference)
    fresh_link = dict(link)
    if PRESENT_KEY not in link and dirty.get(PRESENT_KEY) == "1":
        fresh_link[PRESENT_KEY] = "1"
    fresh = open_app(info.path, fresh_link, timeout=TIMEOUT)
    assert not fresh.exception, view.label
    fallbacks = [n for n in notices(fresh) if "falls back" in n or "unknown setting" in n]
    assert fallbacks == [], f"{view.label}: {fallbacks}"  # the prepared view opens cleanly

    assert at.text_area(key=TEXT_KEY).value == link[TEXT_KEY], view.label
    assert dict(at.query_params) == dict(fresh.query_params), view.label
    for key, value in view.params.items():  # the view's own settings are in its URL
        assert at.query_params.get(key) == value, f"{view.label}: {key}"
    assert _charts(at) == _charts(fresh), (
        f"{view.label}: the charts differ from the link's in a fresh session"
    )
