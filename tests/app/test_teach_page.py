"""The lesson plan page: it runs, and every prepared view it links to opens cleanly."""

from __future__ import annotations

import pytest

from tests.app.conftest import notices, open_app
from ui.lesson_plan import LESSON_PLAN
from ui.pages import PAGES

REGISTERED = {info.url_path: info for info in PAGES}
VIEWS = [
    (step.url_path, label, params)
    for step in LESSON_PLAN
    if step.url_path in REGISTERED
    for label, params in step.views
]


def test_teach_page_lists_registered_pages_only() -> None:
    at = open_app("app_pages/teach.py")
    assert not at.exception
    headers = [h.value for h in at.subheader]
    planned = [s for s in LESSON_PLAN if s.url_path in REGISTERED]
    assert len(headers) == len(planned)
    for header, step in zip(headers, planned, strict=True):
        assert REGISTERED[step.url_path].title in header
    links = at.get("page_link")
    assert len(links) == len(planned) + len(VIEWS)


@pytest.mark.parametrize(("url_path", "label", "params"), VIEWS, ids=[v[1] for v in VIEWS])
def test_prepared_view_opens_without_fallback(url_path: str, label: str, params: dict[str, str]) -> None:
    at = open_app(REGISTERED[url_path].path, params, timeout=180)
    assert not at.exception, label
    fallbacks = [n for n in notices(at) if "falls back" in n or "unknown setting" in n]
    assert fallbacks == [], f"{label}: {fallbacks}"
    for key, value in params.items():
        assert at.query_params.get(key) == value, f"{label}: {key} not kept in the URL"
