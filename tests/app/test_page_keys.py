"""Widget, step and chart keys are contracts (links, the lesson plan and tests use them): declared once per page
as constants at the top of its file, and never shared by two pages unless the app shares them on purpose."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest
from streamlit.testing.v1.element_tree import Block, ElementTree

from tests.app.conftest import ROOT, open_app
from ui.lesson import NEXT_KEY, PREV_KEY, STEP_KEY
from ui.pages import PAGES
from ui.present import PRESENT_KEY
from ui.sentence import TEXT_KEY
from ui.share import EXPORT_CSV_KEY, EXPORT_HTML_KEY, SHARE_LINK_KEY
from ui.vectors import VECTORS_KEY, VECTORS_USED_KEY, VECTORS_WHY_KEY

SHARED = {
    TEXT_KEY,
    PRESENT_KEY,
    STEP_KEY,
    PREV_KEY,
    NEXT_KEY,
    VECTORS_KEY,
    EXPORT_HTML_KEY,
    EXPORT_CSV_KEY,
    SHARE_LINK_KEY,
}
SHARED |= {VECTORS_USED_KEY, VECTORS_WHY_KEY}  # drawn by every page with word vectors, off the book's case
CONSTANT_SUFFIXES = ("_KEY", "_KEYS", "_FIG", "_PREFIX", "_3D")


def _strings(node: ast.AST) -> Iterator[str]:
    """The string constants of an assigned value (a string, a tuple of them, or a dict's values)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.Tuple):
        for element in node.elts:
            yield from _strings(element)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)


def declared_keys(path: str) -> dict[str, str]:
    """{key: constant name} for every module-level key constant of a page (`X_KEY = "..."`, `A, B = ...`)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if target is None or value is None:
            continue
        names = [
            t.id
            for t in (target.elts if isinstance(target, ast.Tuple) else [target])
            if isinstance(t, ast.Name)
        ]
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            pairs = list(zip(names, value.elts, strict=False))
        else:
            pairs = [(name, value) for name in names]
        for name, node_value in pairs:
            if name.endswith(CONSTANT_SUFFIXES):
                for key in _strings(node_value):
                    found[key] = name
    return found


DECLARED = {info.path: declared_keys(info.path) for info in PAGES}


def test_declared_keys_are_unique_across_pages() -> None:
    owner: dict[str, str] = {}
    for path, keys in DECLARED.items():
        for key in keys:
            assert key not in SHARED, f"{path} declares the shared key {key!r}; import it from ui instead"
            assert key not in owner, f"key {key!r} is declared by {owner.get(key)} and {path}"
            owner[key] = path


def _drawn_keys(path: str) -> set[str]:
    """Every widget and chart key a page draws on its first run (all steps shown)."""
    at = open_app(path, timeout=240)
    assert not at.exception, path
    keys = set()
    for kind in ("selectbox", "slider", "toggle", "radio", "text_area", "text_input", "button", "checkbox"):
        keys |= {w.key for w in getattr(at, kind) if w.key}
    keys |= {n.key for n in at._tree if isinstance(n, Block) and not isinstance(n, ElementTree) and n.key}
    for chart in at.get("plotly_chart"):
        element_id = getattr(chart.proto, "id", "")
        if element_id.startswith("$$ID-") and element_id.count("-") >= 2:
            keys.add(element_id.split("-", 2)[2])
    return {k for k in keys if k != "None" and not k.startswith("$$")}


DRAWN: dict[str, set[str]] = {}


@pytest.fixture(scope="module")
def drawn() -> dict[str, set[str]]:
    """Keys drawn by every registered page (computed once for this module)."""
    if not DRAWN:
        DRAWN.update({info.path: _drawn_keys(info.path) for info in PAGES})
    return DRAWN


def test_no_key_is_drawn_by_two_pages(drawn: dict[str, set[str]]) -> None:
    owner: dict[str, str] = {}
    for path, keys in drawn.items():
        for key in keys - SHARED:
            assert key not in owner, f"key {key!r} is drawn by {owner[key]} and {path}"
            owner[key] = path


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_every_drawn_key_is_declared_by_its_page(info, drawn: dict[str, set[str]]) -> None:
    declared = DECLARED[info.path]
    prefixes = tuple(k for k, name in declared.items() if name.endswith("_PREFIX"))
    undeclared = sorted(
        k for k in drawn[info.path] - SHARED if k not in declared and not k.startswith(prefixes)
    )
    assert not undeclared, f"{info.path} draws keys it does not declare as constants: {undeclared}"


def test_the_scan_sees_the_constants() -> None:
    """Guard against a silently empty scan."""
    assert DECLARED["app_pages/causal.py"]["ca_mask"] == "MASK_KEY"
    assert DECLARED["app_pages/trainable.py"]["tw_lseed"] == "SEED_KEYS"
    assert DECLARED["app_pages/multihead.py"]["mh_h"] == "HEAD_KEY_PREFIX"
