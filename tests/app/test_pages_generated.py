"""Generated tests over every registered page: any link a user can make opens without an error and keeps charts.

Each example is a link (tests/app/settings_space.py draws it): a sentence of 1 to 80 tokens mixing words,
punctuation, emoji, CJK and right-to-left text, presentation mode and step, and the page's own settings. The
page runs as a fresh session (AppTest) from that link. It must not raise, must not show the error message,
must keep the sentence exactly as typed, must know every setting the link sets, and must keep its charts.
The example budget is fixed and examples are derandomized (the `ci` profile in tests/conftest.py).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import HealthCheck, given, settings
from streamlit.runtime.caching.cache_resource_api import _resource_caches

from tests.app.conftest import notices, open_app
from tests.app.settings_space import SETTINGS_SPACE, Params, page_links
from ui.pages import PAGES

CI_BUDGET = 40  # the ci profile's max_examples: page budgets scale with the profile's


def check_link(url_path: str, params: Params) -> None:
    """Open the page from the link and check what every page owes its user."""
    space = SETTINGS_SPACE[url_path]
    at = open_app(space.path, params, timeout=180)
    assert not at.exception, f"{url_path} raised for {params}: {at.exception[0].value}"
    assert not [e.value for e in at.error if "Something went wrong" in e.value]
    assert at.text_area(key="text").value == params["text"]  # what the user typed is never lost
    unknown = [n for n in notices(at) if "unknown setting" in n]
    assert not unknown, f"{url_path} does not know a setting of its space: {unknown}"
    charts = len(at.get("plotly_chart"))
    presenting = params.get("present") == "1"
    if not presenting:
        assert charts >= space.min_charts, f"{url_path}: {charts} charts for {params}"
    elif space.step_charts:
        step = int(params.get("step", "1"))
        assert charts >= space.step_charts[step - 1], f"{url_path} step {step}: {charts} charts for {params}"


def _generated_test(url_path: str):
    space = SETTINGS_SPACE[url_path]
    budget = max(1, round(space.budget * settings.default.max_examples / CI_BUDGET))

    @settings(max_examples=budget, suppress_health_check=list(HealthCheck))
    @given(params=page_links(url_path))
    def test(params: Params) -> None:
        check_link(url_path, params)

    test.__name__ = f"test_generated_links_open_{url_path}"
    test.__doc__ = f"{budget} generated links to /{url_path} open without an error and keep their charts."
    return test


for _path in SETTINGS_SPACE:
    globals()[f"test_generated_links_open_{_path}"] = _generated_test(_path)


def test_every_registered_page_has_a_settings_space() -> None:
    """A page added to ui.pages without its settings in tests/app/settings_space.py fails here."""
    registered = {p.url_path: p.path for p in PAGES}
    missing = sorted(set(registered) - set(SETTINGS_SPACE))
    assert not missing, f"declare the settings of {missing} in tests/app/settings_space.py"
    for url_path, path in registered.items():
        assert SETTINGS_SPACE[url_path].path == path


def test_settings_space_entries_are_registered_pages() -> None:
    assert set(SETTINGS_SPACE) <= {p.url_path for p in PAGES}


def _reachable(value: object, seen: set[int]) -> list[object]:
    """Every object inside a cached value (containers and dataclass fields), without visiting one twice."""
    if id(value) in seen:
        return []
    seen.add(id(value))
    found = [value]
    if isinstance(value, dict):
        children = list(value.values())
    elif isinstance(value, list | tuple | set | frozenset):
        children = list(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        children = [getattr(value, f.name) for f in dataclasses.fields(value)]
    else:
        children = []
    for child in children:
        found += _reachable(child, seen)
    return found


@pytest.mark.parametrize("url_path", sorted(SETTINGS_SPACE))
def test_nothing_a_page_caches_for_every_session_is_a_mutable_figure_or_array(url_path: str) -> None:
    """After a page ran, no st.cache_resource value holds a go.Figure or a writeable numpy array: those are
    shared by every session's thread (use ui.cache.shared_cache, which freezes them)."""
    check_link(url_path, {"text": "the cat sat on the mat"})
    bad = []
    for caches in list(_resource_caches._function_caches.values()):
        for name, cache in list(caches.items()):
            for entry in list(cache._mem_cache.values()):
                for obj in _reachable(entry.value, set()):
                    if isinstance(obj, go.Figure) or (isinstance(obj, np.ndarray) and obj.flags.writeable):
                        bad.append(f"{name}: {type(obj).__name__}")
    assert not bad, bad
