"""Watch attention learn: training is deterministic, the shipped runs show patterns that were learned (checked
from their weight snapshots, not only from their logs), and a live run repeats a shipped one bit for bit."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from attention_core.learning import metrics, repeats, sentences
from attention_core.learning.config import ConfigError, TrainConfig, default_config
from attention_core.learning.models import AttentionOnlyTransformer, SubjectFinder
from attention_core.learning.replay import induction_replay, learning_summary
from attention_core.learning.shipped import ASSET_DIR, SHIPPED, load_shipped, matching_shipped
from attention_core.learning.train import model_at, subject_data, train
from attention_core.learning.trajectory import TrajectoryError, load, same_prefix, save


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Train with one torch thread, as the worker and the script do (and as fast on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def shipped() -> dict:
    return {name: load_shipped(name) for name in SHIPPED}


def test_training_is_deterministic_per_seed() -> None:
    config = default_config("subject", steps=12)
    a, b = train(config), train(config)
    same, worst, compared = same_prefix(a, b)
    assert same and worst == 0.0 and compared == len(a.steps) + len(a.snapshot_steps)
    c = train(replace(config, seed=1))
    assert not same_prefix(a, c)[0], "another seed gives other weights"
    induction = default_config("induction", steps=12)
    assert same_prefix(train(induction), train(induction))[0]


def test_a_shorter_run_is_a_prefix_of_a_longer_one_and_stop_ends_it_early() -> None:
    short, long = train(default_config("subject", steps=10)), train(default_config("subject", steps=20))
    assert same_prefix(short, long)[0] and short.last_step == 10 and long.last_step == 20
    calls = iter(range(1000))
    stopped = train(default_config("subject", steps=500), should_stop=lambda: next(calls) >= 7)
    assert stopped.stopped == "stopped" and stopped.last_step == 7  # 7 steps done before the 8th check
    assert stopped.snapshot_steps[-1] == 7, "the weights where it stopped are kept"


def _held_out_rows(model: SubjectFinder) -> tuple[torch.Tensor, torch.Tensor]:
    enc = subject_data().held_out_encoded
    with torch.no_grad():
        logits, w = model(enc.ids, enc.verb_pos)
    assert w is not None
    return metrics.verb_rows(w, enc.verb_pos), logits


def test_after_training_the_verb_row_peaks_on_the_subject_and_not_before(shipped: dict) -> None:
    run = shipped["subject-pos"]
    enc = subject_data().held_out_encoded
    before = model_at(run.config, run.state_at(0))
    after = model_at(run.config, run.state_at(run.snapshot_steps[-1]))
    rows_before, _ = _held_out_rows(before)
    rows_after, logits = _held_out_rows(after)
    hit_before = float(metrics.subject_hits(rows_before, enc.subject_pos).max())
    hit_after = float(metrics.subject_hits(rows_after, enc.subject_pos).max())
    assert hit_after >= 0.9, f"only {hit_after:.0%} of held-out verb rows peak on the subject after training"
    assert hit_before < 0.3, f"{hit_before:.0%} already peak on the subject before training"
    assert float((logits.argmax(1) == enc.labels).double().mean()) >= 0.95
    assert np.isclose(run.metric("subject_hit")[-1].max(), hit_after), "the log says what the weights do"
    assert learning_summary(run).first_acc_95 is not None


def _induction_score(model: AttentionOnlyTransformer) -> float:
    batch = repeats.repeat_batch(torch.Generator().manual_seed(4242), 128)  # not the logged eval batch
    with torch.no_grad():
        _, w = model(batch.ids)
    assert w is not None
    return float(metrics.induction_scores(w, batch)[-1].max())  # the best head of the last layer


def test_the_induction_score_crosses_its_threshold_after_the_phase_change_and_not_before(
    shipped: dict,
) -> None:
    run = shipped["induction-pos"]
    replay = induction_replay(run)
    phase = replay.phase_step
    assert phase is not None and 0 < phase < run.last_step
    best = replay.induction_score[:, -1].max(axis=1)  # (logs,) best last-layer head
    steps = np.asarray(run.steps)
    assert (best[steps < phase] < metrics.INDUCTION_THRESHOLD).all(), (
        "an induction head before the phase change"
    )
    later = steps >= phase + 2 * run.config.log_every
    assert (best[later] >= metrics.INDUCTION_THRESHOLD).all(), (
        "the induction head fades after the phase change"
    )
    assert replay.prev_score[-1, 0].max() >= 0.4, "a previous-token head forms in layer 1"
    # the same from the weights, on sequences the log never saw
    early = max(s for s in run.snapshot_steps if s < phase)
    assert _induction_score(model_at(run.config, run.state_at(early))) < metrics.INDUCTION_THRESHOLD
    end = model_at(run.config, run.state_at(run.snapshot_steps[-1]))
    assert _induction_score(end) >= metrics.INDUCTION_THRESHOLD


def test_the_no_attention_baseline_loses_accuracy_with_distance(shipped: dict) -> None:
    baseline, attention = shipped["subject-mean"], shipped["subject-pos"]
    model = model_at(baseline.config, baseline.state_at(baseline.snapshot_steps[-1]))
    enc = subject_data().held_out_encoded
    with torch.no_grad():
        logits, _ = model(enc.ids, enc.verb_pos)
    acc = metrics.accuracy_by_bucket(logits.argmax(1) == enc.labels, metrics.bucket_indices(enc.distance))
    assert acc[0] - acc[-1] >= 0.4, f"baseline by distance: {acc}"
    assert (np.diff(acc) < 0).all(), f"baseline accuracy does not fall with distance: {acc}"
    assert np.allclose(acc, baseline.metric("acc_by_distance")[-1])
    assert (attention.metric("acc_by_distance")[-1] >= 0.95).all(), "attention holds up at every distance"


def test_a_live_run_in_the_worker_repeats_the_shipped_run(shipped: dict) -> None:
    """The page's path: a worker process (one thread, niced) trains 20 steps; same bits as the shipped run."""
    from attention_core.learning.jobs import TrainingService

    config = replace(SHIPPED["subject-pos"].config, steps=20)
    assert matching_shipped(config) == "subject-pos"
    service = TrainingService(max_running=1, heartbeat_timeout=600)
    try:
        view = service.submit("test", config)
        deadline = time.monotonic() + 240
        while (
            (view := service.heartbeat(view.id)) is not None and view.active and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        assert view is not None and view.status == "finished", view
        same, worst, compared = same_prefix(view.trajectory, shipped["subject-pos"])
        assert same, f"live run differs from the shipped run by {worst}"
        assert compared == len(view.trajectory.steps) + len(view.trajectory.snapshot_steps) > 8
    finally:
        service.shutdown()


def test_trajectories_round_trip_and_bad_files_say_how_to_fix_them(tmp_path: Path) -> None:
    run = train(default_config("induction", steps=20))
    save(run, tmp_path, "r")
    back = load(tmp_path, "r")
    assert same_prefix(run, back)[0] and back.config == run.config and back.stopped == run.stopped
    for name in ("r.json", "r.safetensors"):
        folder = tmp_path / name.replace(".", "_")
        shutil.copytree(tmp_path, folder, ignore=shutil.ignore_patterns("*_*"))
        (folder / name).unlink()
        with pytest.raises(TrajectoryError, match=r"missing.*python scripts/train_learning\.py"):
            load(folder, "r")
    weights = tmp_path / "r.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])  # cut short
    with pytest.raises(TrajectoryError, match=r"corrupt or incomplete"):
        load(tmp_path, "r")
    doc = json.loads((tmp_path / "r.json").read_text())
    (tmp_path / "r.json").write_text(json.dumps({**doc, "config": {**doc["config"], "steps": 10**9}}))
    with pytest.raises(TrajectoryError, match="unreadable"):
        load(tmp_path, "r")


def test_configs_outside_the_caps_are_refused() -> None:
    for bad in ({"steps": 10**6}, {"width": 7}, {"lr": 0.5}, {"seed": -1}, {"heads": 3}):
        with pytest.raises(ConfigError):
            default_config("subject", **bad)
    with pytest.raises(ConfigError):
        TrainConfig.from_dict({"task": "subject", "evil": "__import__('os')"})


def test_the_shipped_files_are_the_ones_the_script_writes() -> None:
    for name, run in SHIPPED.items():
        assert (ASSET_DIR / f"{name}.json").is_file() and (ASSET_DIR / f"{name}.safetensors").is_file()
        assert load_shipped(name).config == run.config
    assert {s.tokens for s in (sentences.lecture_sentence(),)} <= {s.tokens for s in subject_data().held_out}


def test_the_training_script_pins_the_kernels_of_the_page_workers() -> None:
    """The shipped runs and the live runs use the same torch CPU kernels (else they differ in the last bits)."""
    from attention_core.learning.jobs import TORCH_KERNELS

    script = (Path(__file__).resolve().parents[2] / "scripts" / "train_learning.py").read_text()
    for name, value in TORCH_KERNELS.items():
        assert f'os.environ.setdefault("{name}", "{value}")' in script
    assert script.index("os.environ.setdefault") < script.index("import torch")
