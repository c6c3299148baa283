"""The page registry: one entry per page holds its navigation, lesson-plan stop and home card."""

from __future__ import annotations

from pathlib import Path

from tests.app.conftest import ROOT, open_app
from ui.pages import PAGES


def test_every_registered_page_exists_once() -> None:
    assert (
        len({p.path for p in PAGES})
        == len({p.url_path for p in PAGES})
        == len({p.title for p in PAGES})
        == len(PAGES)
    )
    for info in PAGES:
        assert (ROOT / info.path).is_file(), info.path
        assert info.summary and info.icon.startswith(":material/"), info.path


def test_url_path_is_the_file_name() -> None:
    """Links, AppTest.switch_page (which names a page by its file before the first run) and the tests agree
    only when a page's URL path is its file's stem; otherwise every generic suite silently tests the home page."""
    for info in PAGES:
        assert info.url_path == Path(info.path).stem, (
            f"{info.path}: url_path must be {Path(info.path).stem!r}"
        )


def test_sections_are_contiguous_in_lecture_order() -> None:
    order = [p.section for p in PAGES]
    seen: list[str] = []
    for section in order:
        if not seen or seen[-1] != section:
            assert section not in seen, f"section {section!r} is split: {order}"
            seen.append(section)


def test_every_lesson_page_has_a_plan() -> None:
    """A page without a lesson-plan stop would silently drop out of the Teach page."""
    missing = [p.path for p in PAGES if p.in_lesson and p.plan is None]
    assert not missing, f"give these pages a plan=LessonStop(...) in ui/pages.py: {missing}"
    for info in PAGES:
        if info.plan is not None:
            assert info.plan.minutes > 0 and info.plan.goal and info.plan.questions, info.path


def test_home_page_is_generated_from_the_registry() -> None:
    at = open_app()
    assert not at.exception
    cards = [p for p in PAGES if p.card]
    markdown = [m.value for m in at.markdown]
    for number, info in enumerate(cards, start=1):
        assert f"**{number} · {info.title}**" in markdown, info.title
    links = [el.proto.page for el in at.get("page_link")]
    assert links == [p.url_path for p in PAGES[1:]]  # the map lists every other page, in order
