"""Read a page's key constants (EXAMPLE_KEY = "rb_ex", ...) without running the page, so tests select by key.

A page script draws itself when it is executed, so it cannot be imported by a test; its top-level constant
assignments of strings (and tuples of strings) are read from the source instead.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]


def page_keys(page_path: str) -> SimpleNamespace:
    """The ALL-CAPS string constants at the top of `page_path` (e.g. 'app_pages/rnn_bottleneck.py')."""
    tree = ast.parse((ROOT / page_path).read_text())
    found: dict[str, object] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            names = [target] if isinstance(target, ast.Name) else list(getattr(target, "elts", []))
            values = [node.value] if isinstance(target, ast.Name) else list(getattr(node.value, "elts", []))
            for name, value in zip(names, values, strict=False):
                if isinstance(name, ast.Name) and name.id.isupper():
                    try:
                        literal = ast.literal_eval(value)
                    except ValueError:
                        continue
                    if isinstance(literal, str | tuple):
                        found[name.id] = literal
    return SimpleNamespace(**found)
