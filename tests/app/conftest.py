"""AppTest helpers: open the app on a page, optionally from a link's query parameters."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_app(
    page: str | None = None, query_params: dict[str, str] | None = None, timeout: float = 60
) -> AppTest:
    """Run app.py (as a fresh session), switch to `page` (e.g. 'app_pages/simplified.py') if given."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    return at.run()


@pytest.fixture
def app() -> Callable[..., AppTest]:
    """The `open_app` factory as a fixture."""
    return open_app


def notices(at: AppTest) -> list[str]:
    """The notices (st.warning) app.py shows at the top of the page: fallbacks, truncation, bad input."""
    return [el.value for el in at.warning]


def keyed_text(at: AppTest, key: str) -> str:
    """The text of every element inside the container with this key ('' when the page did not draw it)."""
    try:
        block = at.get_by_key(key)
    except KeyError:
        return ""
    return " ".join(
        str(getattr(node, "value", "")) for node in block if getattr(node, "value", None) is not None
    )
