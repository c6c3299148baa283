"""The learn page in AppTest: every step draws its chart, the charts hold the runs' own numbers, a live run
trains, stops and replaces the replay, and a broken shipped file disables only this page."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages.learn import (
    CURVES_FIG,
    DISTANCE_FIG,
    EXAMPLE_KEY,
    HEAD_FIG,
    LIVE_FIG,
    MAPS_FIG,
    NOPOS_FIG,
    PHASE_FIG,
    POSITIONS_FIG,
    ROW_FIG,
    SCORES_FIG,
    SOURCE_KEY,
    START_KEY,
    STOP_KEY,
    TASK_KEY,
    TRAIN_KEYS,
)
from attention_core.learning import shipped as shipped_module
from attention_core.learning.shipped import ASSET_DIR, load_shipped
from attention_core.learning.train import example_sentences
from tests.app.conftest import open_app
from tests.support.plotly import chart_specs
from ui.pages import PAGES

PAGE = "app_pages/learn.py"
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 240


def _charts(at: AppTest) -> dict[str, dict]:
    return chart_specs(at)


def test_every_step_of_both_tasks_draws_its_chart_in_presentation_mode() -> None:
    expected = {
        "subject": [
            None,
            ROW_FIG,
            HEAD_FIG,
            CURVES_FIG,
            DISTANCE_FIG,
            POSITIONS_FIG,
        ],
        "induction": [None, PHASE_FIG, SCORES_FIG, MAPS_FIG, NOPOS_FIG],
    }
    for task, keys in expected.items():
        for step, key in enumerate(keys, start=1):
            at = open_app(PAGE, {"present": "1", TASK_KEY: task, "step": str(step)}, timeout=TIMEOUT)
            assert not at.exception, f"{task} step {step}: {at.exception[0].message}"
            charts = _charts(at)
            if key is not None:
                assert key in charts, f"{task} step {step} does not draw {key}: {sorted(charts)}"


def test_the_replay_shows_the_shipped_runs_own_rows_and_numbers() -> None:
    at = open_app(PAGE, {EXAMPLE_KEY: "2"}, timeout=TIMEOUT)
    assert not at.exception
    spec = _charts(at)[ROW_FIG]
    run = load_shipped("subject-pos")
    rows = run.probe("attn_weights.2")  # (snapshots, h, T, T) saved while it trained
    sentence = example_sentences()[2]
    assert len(spec["frames"]) == len(run.snapshot_steps)
    for i in (0, -1):
        y = np.asarray(
            spec["frames"][i]["data"][0]["y"]["bdata"] and _decode(spec["frames"][i]["data"][0]["y"])
        )
        assert np.allclose(y, rows[i, 0, sentence.verb_pos], atol=1e-6)
    hit = run.metric("subject_hit")[-1].max()
    captions = " ".join(str(c.value) for c in at.caption)
    assert f"{100 * hit:.0f}% at step {run.last_step}" in captions


def _decode(value):
    from tests.support.plotly import decode

    return decode(value)


def _poll(at: AppTest, until, timeout: float = 240) -> AppTest:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception, at.exception[0].message
        if until(at):
            return at
        time.sleep(0.5)
    raise AssertionError(f"timed out; progress: {[p.proto.text for p in at.get('progress')]}")


def _status(at: AppTest) -> str:
    return " ".join(p.proto.text for p in at.get("progress"))


def test_a_live_run_trains_shows_its_curves_and_replaces_the_replay() -> None:
    at = open_app(PAGE, timeout=TIMEOUT)
    at.slider(key=TRAIN_KEYS["subject"][1]).set_value(20).run()
    at.button(key=START_KEY).click().run()
    assert not at.exception
    assert at.button(key=START_KEY).disabled, "one training per session: Start is off while it runs"
    _poll(at, lambda a: LIVE_FIG in _charts(a) or SOURCE_KEY in [r.key for r in a.radio])
    _poll(at, lambda a: SOURCE_KEY in [r.key for r in a.radio])  # finished: 'your run' is offered
    assert at.radio(key=SOURCE_KEY).value == "mine"
    assert any("bit for bit" in str(s.value) for s in at.success), "a 20-step prefix of the shipped run"
    frames = _charts(at)[ROW_FIG]["frames"]
    assert [f["name"] for f in frames] == [f"step {s}" for s in range(0, 21, 5)], "the replay shows your run"
    at.radio(key=SOURCE_KEY).set_value("shipped").run()
    assert len(_charts(at)[ROW_FIG]["frames"]) == len(load_shipped("subject-pos").snapshot_steps)


def test_stop_ends_a_live_run_early() -> None:
    at = open_app(PAGE, {TASK_KEY: "induction"}, timeout=TIMEOUT)
    at.slider(key=TRAIN_KEYS["induction"][1]).set_value(1500).run()
    at.button(key=START_KEY).click().run()
    _poll(at, lambda a: re.search(r"step [1-9]\d* of 1500", _status(a)) is not None)
    at.button(key=STOP_KEY).click().run()
    _poll(at, lambda a: SOURCE_KEY in [r.key for r in a.radio])
    last = " ".join(str(c.value) for c in at.caption)
    assert "Stopped at step" in last.replace("\\", "")
    step = int(re.search(r"Stopped at step (\d+)", last.replace("\\", "")).group(1))
    assert 0 < step < 1500


# ---------------------------------------------------------------- faults


@pytest.fixture
def broken_assets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """A copy of the shipped runs the test may break; the page reads it instead of the real folder."""
    folder = tmp_path / "learning"
    shutil.copytree(ASSET_DIR, folder)
    monkeypatch.setattr(shipped_module, "ASSET_DIR", folder)
    st.cache_resource.clear()
    yield folder
    st.cache_resource.clear()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "induction-pos.safetensors").unlink(), r"missing"),
        (lambda f: (f / "subject-pos.safetensors").write_bytes(b"\0garbage" * 50), r"corrupt|not a valid"),
        (
            lambda f: (f / "subject-mean.json").write_text('{"format": 1, "config": {', encoding="utf-8"),
            r"unreadable",
        ),
    ],
    ids=["missing", "garbage", "truncated-json"],
)
def test_a_broken_shipped_run_disables_only_this_page(broken_assets: Path, damage, message: str) -> None:
    damage(broken_assets)
    at = open_app(PAGE, {"text": "the cat sat on the mat"}, timeout=TIMEOUT)
    assert not at.exception
    errors = " ".join(str(e.value) for e in at.error)
    assert re.search(message, errors, re.I), errors
    assert "python scripts/train_learning" in errors.replace("\\", ""), "the message says how to fix it"
    assert at.query_params.get("text") == "the cat sat on the mat", "the link still holds the sentence"
    other = open_app("app_pages/simplified.py", {"text": "the cat sat on the mat"}, timeout=TIMEOUT)
    assert not other.exception and not other.error and other.get("plotly_chart")
    users = [p.path for p in PAGES if "attention_core.learning" in (ROOT / p.path).read_text()]
    assert users == [PAGE], "only this page reads the shipped runs"
