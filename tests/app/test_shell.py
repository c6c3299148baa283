"""The app shell: navigation, the shared sentence box, URL state and notices."""

from __future__ import annotations

from tests.app.conftest import notices, open_app
from ui.pages import PAGES


def test_home_runs_and_lists_every_registered_page() -> None:
    at = open_app()
    assert not at.exception
    assert at.title[0].value == "Attention Explorer"
    assert at.text_area(key="text").value == "Your journey starts with one step"
    links = [el.proto.label for el in at.get("page_link")]
    for info in PAGES[1:]:
        assert any(info.title in label for label in links), info.title


def test_every_registered_page_runs_without_exception() -> None:
    for info in PAGES:
        at = open_app(info.path, timeout=180)
        assert not at.exception, f"{info.path}: {at.exception}"
        assert at.text_area(key="text").value  # the shared box is on every page


def test_sentence_shared_across_pages_and_kept_in_url() -> None:
    at = open_app("app_pages/simplified.py")
    at.text_area(key="text").set_value("the cat sat on the mat").run()
    assert at.query_params["text"] == "the cat sat on the mat"
    at.switch_page("app_pages/home.py").run()
    assert at.text_area(key="text").value == "the cat sat on the mat"
    assert at.query_params["text"] == "the cat sat on the mat"


def test_default_sentence_stays_out_of_url() -> None:
    at = open_app("app_pages/simplified.py")
    assert "text" not in at.query_params


def test_unknown_url_setting_is_named_and_dropped() -> None:
    at = open_app("app_pages/simplified.py", {"bogus": "1"})
    assert not at.exception
    assert any("unknown setting" in n and "bogus" in n for n in notices(at))
    assert "bogus" not in at.query_params
