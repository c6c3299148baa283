"""Static safety: read every Python file of the project and refuse the patterns that let input or files run code.

- raw HTML (``unsafe_allow_html=True``, ``st.html``, ``components.html``) only on constant strings listed in
  ``RAW_HTML_WHITELIST`` below, never on anything computed (so never on user text);
- no pickle: no ``pickle``/``dill``/``joblib``/``cloudpickle`` import, ``np.load(..., allow_pickle=True)``,
  ``pd.read_pickle``; ``torch.load`` only with ``weights_only=True``; no ``trust_remote_code=True``;
- no ``eval``/``exec`` on anything;
- weights on disk are ``.safetensors`` (or the model packages' GGUF), never pickle-based ``.pt/.pth/.bin/.pkl``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {
    ".venv",
    ".git",
    ".cache",
    "artifacts",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
}

# (file relative to the repo, name of a module-level constant string) allowed to reach raw HTML
RAW_HTML_WHITELIST = {
    ("ui/present.py", "_PRESENTATION_CSS"),  # a fixed <style> block for presentation mode
}
RAW_HTML_CALLS = {"html"}  # st.html(...), components.html(...), st.components.v1.html(...)
PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "joblib", "cloudpickle", "shelve", "marshal"}
PICKLE_WEIGHT_SUFFIXES = {".pt", ".pth", ".bin", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy", ".npz"}


def python_files() -> list[Path]:
    """Every .py file of the project (app, pages, ui, core, scripts, bench, tests)."""
    return sorted(p for p in ROOT.rglob("*.py") if not SKIP_DIRS.intersection(p.relative_to(ROOT).parts))


def _call_name(node: ast.Call) -> str:
    """'st.markdown' for st.markdown(...), 'torch.load' for torch.load(...), 'eval' for eval(...)."""
    parts = []
    func: ast.AST = node.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _is_const(value: ast.expr | None, expected: object) -> bool:
    return isinstance(value, ast.Constant) and value.value is expected


def _module_string_constants(tree: ast.Module) -> set[str]:
    """Names bound once, at module level, to a string literal (or an f-string-free concatenation of them)."""
    counts: dict[str, int] = {}
    literal: set[str] = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target]
        for t in targets:
            counts[t.id] = counts.get(t.id, 0) + 1
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        names = (
            [t.id for t in node.targets if isinstance(t, ast.Name)]
            if isinstance(node, ast.Assign)
            else [node.target.id]
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
            else []
        )
        if value is not None and _is_literal_string(value):
            literal.update(n for n in names if counts.get(n) == 1)
    return literal


def _is_literal_string(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_literal_string(node.left) and _is_literal_string(node.right)
    return False


def violations(path: Path, source: str | None = None) -> list[str]:
    """Every unsafe pattern in one file, as 'file:line: what'."""
    rel = path.relative_to(ROOT).as_posix() if path.is_absolute() else path.as_posix()
    text = source if source is not None else path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=rel)
    constants = _module_string_constants(tree)
    found: list[str] = []

    def bad(node: ast.AST, what: str) -> None:
        found.append(f"{rel}:{getattr(node, 'lineno', '?')}: {what}")

    def html_arg_ok(arg: ast.expr | None) -> bool:
        if arg is None:
            return True
        if isinstance(arg, ast.Name):
            return (rel, arg.id) in RAW_HTML_WHITELIST and arg.id in constants
        return False  # literals too must be named and whitelisted, so every raw-HTML use is reviewed

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if name.split(".")[0] in PICKLE_MODULES:
                    bad(node, f"imports {name} (pickle can run code from a file)")
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        last = name.rsplit(".", 1)[-1]
        first_arg = node.args[0] if node.args else _keyword(node, "body")
        unsafe = _keyword(node, "unsafe_allow_html")
        if unsafe is not None and not _is_const(unsafe, False) and not html_arg_ok(first_arg):
            bad(node, f"{name}(..., unsafe_allow_html=...) on something that is not a whitelisted constant")
        raw_html_call = last in RAW_HTML_CALLS and name.split(".")[0] in {
            "st",
            "streamlit",
            "components",
            "stc",
        }
        if raw_html_call and not html_arg_ok(first_arg):
            bad(node, f"{name}(...) renders raw HTML from something that is not a whitelisted constant")
        if (
            last == "load"
            and name.split(".")[0] == "torch"
            and not _is_const(_keyword(node, "weights_only"), True)
        ):
            bad(node, "torch.load without weights_only=True")
        if (
            last == "load"
            and name.split(".")[0] in {"np", "numpy"}
            and _is_const(_keyword(node, "allow_pickle"), True)
        ):
            bad(node, "np.load(allow_pickle=True)")
        if last in {"read_pickle", "to_pickle"}:
            bad(node, f"{name} (pickle)")
        if (isinstance(node.func, ast.Name) and name in {"eval", "exec"}) or name in {
            "builtins.eval",
            "builtins.exec",
        }:
            bad(node, f"{name}(...)")
        if _is_const(_keyword(node, "trust_remote_code"), True):
            bad(node, f"{name}(trust_remote_code=True) would run code shipped with a model")
    return found


def test_the_scan_sees_the_project() -> None:
    files = {p.relative_to(ROOT).as_posix() for p in python_files()}
    assert {"app.py", "ui/url.py", "ui/sentence.py", "attention_core/text.py"} <= files
    assert any(f.startswith("app_pages/") for f in files)


@pytest.mark.parametrize(
    ("snippet", "why"),
    [
        ("import streamlit as st\nst.markdown(user_text, unsafe_allow_html=True)\n", "unsafe_allow_html"),
        ("import streamlit as st\nst.markdown(f'<b>{x}</b>', unsafe_allow_html=True)\n", "unsafe_allow_html"),
        ("import streamlit as st\nst.html('<b>hi</b>')\n", "raw HTML"),
        ("import streamlit.components.v1 as components\ncomponents.html(page)\n", "raw HTML"),
        ("import torch\nsd = torch.load('w.pt')\n", "weights_only"),
        ("import torch\nsd = torch.load('w.pt', weights_only=False)\n", "weights_only"),
        ("import pickle\n", "pickle"),
        ("from joblib import load\n", "joblib"),
        ("import numpy as np\nnp.load('a.npy', allow_pickle=True)\n", "allow_pickle"),
        ("eval(text)\n", "eval"),
        ("m = AutoModel.from_pretrained(p, trust_remote_code=True)\n", "trust_remote_code"),
    ],
)
def test_the_scanner_catches_unsafe_code(snippet: str, why: str) -> None:
    found = violations(Path("app_pages/example.py"), snippet)
    assert found and why.split()[0] in " ".join(found)


@pytest.mark.parametrize(
    "snippet",
    [
        "import streamlit as st\nst.markdown(escape_markdown(text))\n",
        "import streamlit as st\nst.markdown(text, unsafe_allow_html=False)\n",
        "import torch\nsd = torch.load('w.pt', weights_only=True)\n",
        "from safetensors.torch import load_file\nsd = load_file('w.safetensors')\n",
    ],
)
def test_the_scanner_passes_safe_code(snippet: str) -> None:
    assert violations(Path("app_pages/example.py"), snippet) == []


def test_whitelisted_constant_passes_but_computed_html_does_not() -> None:
    ok = "import streamlit as st\n_PRESENTATION_CSS = '<style>h1 {font-size: 3rem}</style>'\nst.html(_PRESENTATION_CSS)\n"
    assert violations(Path("ui/present.py"), ok) == []
    rebound = ok + "_PRESENTATION_CSS = user_text\n"  # a name rebound later is no longer constant
    assert violations(Path("ui/present.py"), rebound)
    assert violations(Path("ui/other.py"), ok)  # whitelisting is per file


def test_no_unsafe_code_in_the_project() -> None:
    found = [v for p in python_files() if p.name != "test_static_safety.py" for v in violations(p)]
    assert found == [], "\n".join(found)


def test_whitelist_entries_still_exist() -> None:
    """A stale whitelist entry would hide a future, different use of the same name."""
    for rel, name in RAW_HTML_WHITELIST:
        path = ROOT / rel
        assert path.is_file(), rel
        assert name in _module_string_constants(ast.parse(path.read_text(encoding="utf-8"))), (rel, name)


def test_weights_are_safetensors_not_pickles() -> None:
    pickled = [
        p.relative_to(ROOT).as_posix()
        for p in ROOT.rglob("*")
        if p.is_file()
        and p.suffix.lower() in PICKLE_WEIGHT_SUFFIXES
        and not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
    ]
    assert pickled == [], f"pickle-based weight files: {pickled}"
    weights = list((ROOT / "attention_core" / "assets").rglob("*.safetensors"))
    assert weights, "the shipped weights should be safetensors files under attention_core/assets"
