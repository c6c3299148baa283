"""The lesson plan page: generated from the registry, and every prepared view it links to opens cleanly."""

from __future__ import annotations

from tests.app.conftest import open_app
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


# Every prepared view opening without a fallback and keeping its settings in the URL is checked in
# tests/app/test_lesson_links.py, after a session that held another sentence and other settings.
