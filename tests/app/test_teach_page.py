"""The lesson plan page: generated from the registry, and every prepared view it links to opens cleanly."""

from __future__ import annotations

import pytest

from tests.app.conftest import notices, open_app
from ui.pages import PAGES

REGISTERED = {info.url_path: info for info in PAGES}
PLANNED = [info for info in PAGES if info.plan is not None]
VIEWS = [(info.url_path, view.label, dict(view.params)) for info in PLANNED for view in info.plan.views]


def test_teach_page_lists_registered_pages_only() -> None:
    at = open_app("app_pages/teach.py")
    assert not at.exception
    headers = [h.value for h in at.subheader]
    assert len(headers) == len(PLANNED)
    for header, info in zip(headers, PLANNED, strict=True):
        assert info.title in header and f"{info.plan.minutes} min" in header
    links = at.get("page_link")
    assert len(links) == len(PLANNED) + len(VIEWS)


@pytest.mark.parametrize(("url_path", "label", "params"), VIEWS, ids=[v[1] for v in VIEWS])
def test_prepared_view_opens_without_fallback(url_path: str, label: str, params: dict[str, str]) -> None:
    at = open_app(REGISTERED[url_path].path, params, timeout=180)
    assert not at.exception, label
    fallbacks = [n for n in notices(at) if "falls back" in n or "unknown setting" in n]
    assert fallbacks == [], f"{label}: {fallbacks}"
    for key, value in params.items():
        assert at.query_params.get(key) == value, f"{label}: {key} not kept in the URL"
