"""Faults: a missing or corrupt model/weights file disables only the pages that need it, with a clear message.

Each test breaks one thing the way a bad install or a bad copy would (a missing folder, a truncated or garbage
weights file, an uninstalled model package), then opens every registered page in the same server process:

- the app starts (the first page runs);
- a page that needs the broken file shows a clear message (what is wrong and how to fix it) and no traceback;
- which pages need a file is read from the page sources (who imports the loader), not hard-coded, and the
  breakage may disable only those pages; every other page runs and draws its charts.

The loaders cache what they load (st.cache_resource, lru_cache), so every test starts and ends with cleared
caches: the fault is seen, and it does not leak into other tests.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from attention_core import embeddings
from attention_core import pretrained as pt
from attention_core.translation import models as tm
from tests.app.conftest import ROOT, notices, open_app
from ui.pages import PAGES

TIMEOUT = 240
CLEAR_FIX = re.compile(r"run |reinstall|install|pip |python scripts", re.I)
_REAL_FIND_SPEC = importlib.util.find_spec


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """Forget every loaded model before and after the test."""

    def clear() -> None:
        st.cache_resource.clear()
        st.cache_data.clear()
        embeddings._model_vectors.cache_clear()

    clear()
    yield
    clear()


_HEALTHY: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def healthy_charts() -> dict[str, int]:
    """Charts each page draws with nothing broken (taken before any test breaks something)."""
    st.cache_resource.clear()
    for info in PAGES:
        _HEALTHY[info.path] = page_report(info.path)[1]
    return _HEALTHY


def pages_using(*modules: str) -> set[str]:
    """Registered pages whose source imports any of `modules` (directly or through a ui helper)."""
    helpers = {
        f"ui.{p.stem}"
        for p in (ROOT / "ui").glob("*.py")
        if any(m in p.read_text(encoding="utf-8") for m in modules)
    }
    names = (*modules, *helpers)
    return {
        info.path for info in PAGES if any(n in (ROOT / info.path).read_text(encoding="utf-8") for n in names)
    }


def page_report(path: str, fault: re.Pattern[str] | None = None) -> tuple[list[str], int, list[str]]:
    """Open the page with a normal sentence: (messages about the fault, charts drawn, notices).

    A message about the fault is any st.error, or an st.warning/st.info that matches `fault`.
    """
    at = open_app(path, {"text": "the cat sat on the mat"}, timeout=TIMEOUT)
    assert not at.exception, f"{path} raised: {at.exception[0].message}"
    said = [str(e.value) for e in at.error]
    if fault is not None:
        said += [str(e.value) for e in [*at.warning, *at.info] if fault.search(str(e.value))]
    return said, len(at.get("plotly_chart")), notices(at)


def check_only_dependents_disabled(needs: set[str], fault: re.Pattern[str]) -> set[str]:
    """Run every page; the ones reporting the fault must need the broken file, say what is wrong and the fix."""
    assert needs, "no registered page uses this loader; nothing to test"
    at = open_app(timeout=TIMEOUT)
    assert not at.exception, "the app does not start"
    disabled = set()
    for info in PAGES:
        said, charts, _ = page_report(info.path, fault)
        if said:
            disabled.add(info.path)
            assert info.path in needs, f"{info.path} does not use the broken file but shows: {said}"
            text = " ".join(said)
            assert fault.search(text), f"{info.path}: the message does not say what is wrong: {said}"
            assert CLEAR_FIX.search(text), f"{info.path}: the message does not say how to fix it: {said}"
            assert "Traceback" not in text
        elif info.path not in needs and _HEALTHY.get(info.path):
            assert charts, f"{info.path} (not using the broken file) draws no chart"
    assert disabled, "the fault disabled no page: the test did not break what the pages load"
    return disabled


# ---------------------------------------------------------------- translation models (the RNN bottleneck and Bahdanau pages)

TRANSLATION = ("ui.translation", "attention_core.translation.models")


def _point_translation_at(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    import ui.translation

    monkeypatch.setattr(tm, "ASSET_DIR", folder)
    monkeypatch.setattr(ui.translation, "ASSET_DIR", folder)


def _copy_assets(tmp_path: Path) -> Path:
    folder = tmp_path / "translation"
    shutil.copytree(tm.ASSET_DIR, folder)
    return folder


def test_missing_translation_assets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _point_translation_at(monkeypatch, tmp_path / "not-there")
    disabled = check_only_dependents_disabled(pages_using(*TRANSLATION), re.compile(r"missing", re.I))
    assert disabled == pages_using(*TRANSLATION)


def test_corrupt_translation_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = _copy_assets(tmp_path)
    (folder / "config.json").write_text('{"vocab": [', encoding="utf-8")  # a truncated copy
    _point_translation_at(monkeypatch, folder)
    check_only_dependents_disabled(pages_using(*TRANSLATION), re.compile(r"unreadable|invalid|corrupt", re.I))


@pytest.mark.parametrize("weights", sorted(tm.WEIGHT_FILES.values()))
def test_corrupt_weights_disable_only_the_page_of_that_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, weights: str
) -> None:
    """Garbage in one model's weights: the page of the other model keeps working."""
    folder = _copy_assets(tmp_path)
    (folder / weights).write_bytes(b"\x00\x01 not a safetensors file" * 10)
    _point_translation_at(monkeypatch, folder)
    disabled = check_only_dependents_disabled(
        pages_using(*TRANSLATION), re.compile(r"not a valid safetensors|corrupt|unreadable", re.I)
    )
    assert len(disabled) < len(pages_using(*TRANSLATION)), (
        f"garbage in {weights} disables every translation page ({sorted(disabled)}), not only the page of "
        "that model"
    )


def test_truncated_weights(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A download cut short: a valid header but missing tensor bytes."""
    folder = _copy_assets(tmp_path)
    name = tm.WEIGHT_FILES["attention"]
    data = (folder / name).read_bytes()
    (folder / name).write_bytes(data[: len(data) // 2])
    _point_translation_at(monkeypatch, folder)
    check_only_dependents_disabled(
        pages_using(*TRANSLATION), re.compile(r"not a valid safetensors|corrupt|unreadable|incomplete", re.I)
    )


# ---------------------------------------------------------------- pretrained models (the real-transformer page) and model vectors


PRETRAINED = ("attention_core.pretrained", "attention_core import pretrained")


def test_model_packages_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither model package installed: the real-model page explains; the self-attention pages fall back with a notice."""
    hidden = {spec.module for spec in pt.MODELS.values()}

    def find_spec(name: str, *args: object, **kwargs: object):
        return None if name.split(".")[0] in hidden else _REAL_FIND_SPEC(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    model_page = pages_using(*PRETRAINED)
    needs = model_page | pages_using("ui.vectors")  # "Model" vectors read MiniLM's embedding table
    disabled = check_only_dependents_disabled(needs, re.compile(r"not installed", re.I))
    assert model_page <= disabled
    for path in pages_using("ui.vectors"):  # model vectors: hashed fallback with a notice, charts drawn
        at = open_app(path, {"text": "the cat sat on the mat", "vec": "model"}, timeout=TIMEOUT)
        assert not at.exception, f"{path}: {at.exception[0].message}"
        assert at.get("plotly_chart"), f"{path} draws no chart without the model package"
        assert any(re.search(r"not installed|unavailable|hashed|instead", n, re.I) for n in notices(at)), (
            f"{path}: no notice that the model vectors are unavailable: {notices(at)}"
        )


def test_corrupt_minilm_weights(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """MiniLM's model.safetensors replaced by garbage: the real-model page says it could not load it."""
    real = pt.model_files("minilm")
    broken = tmp_path / "minilm"
    broken.mkdir()
    for name in (
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "vocab.txt",
        "special_tokens_map.json",
    ):
        if (real / name).is_file():
            shutil.copy(real / name, broken / name)
    (broken / "model.safetensors").write_bytes(b"garbage" * 100)
    real_model_files = pt.model_files
    monkeypatch.setattr(pt, "model_files", lambda key: broken if key == "minilm" else real_model_files(key))
    monkeypatch.setattr(embeddings, "minilm_folder", lambda: broken)
    needs = pages_using(*PRETRAINED) | pages_using("ui.vectors")
    check_only_dependents_disabled(needs, re.compile(r"could not be loaded|corrupt|not a valid", re.I))


def test_helpers_find_the_dependent_pages() -> None:
    """The dependency scan sees the pages that use each loader (guards against a silently empty scan)."""
    assert pages_using(*TRANSLATION)
    assert pages_using(*PRETRAINED)
    assert PAGES[0].path not in pages_using(*TRANSLATION)


def test_disabled_page_keeps_the_link_and_notices(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """On a page stopped by a missing file, the sentence still goes into the link and link notices show."""
    _point_translation_at(monkeypatch, tmp_path / "not-there")
    for path in sorted(pages_using(*TRANSLATION)):
        at = open_app(path, {"present": "abc"}, timeout=TIMEOUT)
        assert not at.exception
        assert at.error, f"{path} should be disabled by the missing files"
        assert any("Presentation" in n or "present" in n for n in notices(at)), (
            f"{path}: the notice about the bad link value is lost when the page stops: {notices(at)}"
        )
        at.text_area(key="text").set_value("the cat sat on the mat").run()
        assert at.query_params.get("text") == "the cat sat on the mat", (
            f"{path}: the sentence is not kept in the link while the page is disabled"
        )
