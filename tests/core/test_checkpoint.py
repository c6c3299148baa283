"""The checkpoint loader: every good format loads to the same model; every bad file gets a clear message.

Bad files are real ones: a pickle whose payload creates a file (shown to work when unpickled without
restrictions, in a separate process), truncated and corrupted copies at generated positions, renamed and
missing keys, wrong shapes, configs that do not match, non-float and non-finite tensors, a tampered mask.
Loading never writes a file and never raises anything but CheckpointError.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import save as save_safetensors

from attention_core.checkpoint import (
    CheckpointError,
    build_model,
    infer_config,
    load_gpt_bytes,
    read_config,
    read_state_dict,
)
from attention_core.gpt import GPTConfig, GPTModel

CFG = GPTConfig(
    vocab_size=53, context_length=8, emb_dim=8, n_heads=2, n_layers=2, drop_rate=0.1, qkv_bias=False
)
IDS = torch.tensor([[3, 1, 4, 1, 5, 9]])


@pytest.fixture(scope="module")
def model() -> GPTModel:
    torch.manual_seed(7)
    return GPTModel(CFG).eval()


@pytest.fixture(scope="module")
def config_bytes() -> bytes:
    return json.dumps(CFG.to_dict()).encode()


def pth_bytes(obj: object, zip_format: bool = True) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=zip_format)
    return buf.getvalue()


def logits(m: GPTModel) -> torch.Tensor:
    with torch.no_grad():
        return m(IDS)


@pytest.fixture(scope="module")
def files(model: GPTModel) -> dict[str, bytes]:
    """The same weights in every format a reader may have saved."""
    sd = model.state_dict()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    return {
        "safetensors": save_safetensors({k: v.contiguous() for k, v in sd.items()}),
        "pth": pth_bytes(sd),
        "pth-legacy": pth_bytes(sd, zip_format=False),
        "pth-with-optimizer": pth_bytes(
            {"model_state_dict": sd, "optimizer_state_dict": optimizer.state_dict()}
        ),  # the book's model_and_optimizer.pth
        "safetensors-bf16": save_safetensors({k: v.to(torch.bfloat16).contiguous() for k, v in sd.items()}),
        "safetensors-no-masks": save_safetensors(
            {k: v.contiguous() for k, v in sd.items() if not k.endswith(".att.mask")}
        ),
        "pth-compiled": pth_bytes({f"_orig_mod.{k}": v for k, v in sd.items()}),
    }


@pytest.mark.parametrize(
    "fmt",
    ["safetensors", "pth", "pth-legacy", "pth-with-optimizer", "safetensors-no-masks", "pth-compiled"],
)
def test_every_format_loads_the_same_model(
    fmt: str, files: dict[str, bytes], config_bytes: bytes, model: GPTModel
) -> None:
    loaded = load_gpt_bytes(config_bytes, files[fmt], f"model.{fmt}")
    assert loaded.config == CFG
    assert not loaded.model.training
    assert all(not p.requires_grad for p in loaded.model.parameters())
    torch.testing.assert_close(logits(loaded.model), logits(model), atol=0, rtol=0)
    assert loaded.num_parameters == sum(p.numel() for p in model.parameters())
    if fmt == "pth-with-optimizer":
        assert any("model_state_dict" in n for n in loaded.notes)
    if fmt == "pth-compiled":
        assert any("_orig_mod." in n for n in loaded.notes)


def test_a_loaded_model_saves_again_like_the_books(files: dict[str, bytes], config_bytes: bytes) -> None:
    """Every block owns its mask (no shared tensors), so save_file(model.state_dict()) works as for the book's."""
    for fmt in ("safetensors", "safetensors-no-masks"):
        loaded = load_gpt_bytes(config_bytes, files[fmt], "m.safetensors")
        again = load_gpt_bytes(config_bytes, save_safetensors(loaded.model.state_dict()), "again.safetensors")
        torch.testing.assert_close(logits(again.model), logits(loaded.model), atol=0, rtol=0)


def test_masks_left_out_of_a_huge_context_are_not_made(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = GPTConfig(vocab_size=5, context_length=4096, emb_dim=2, n_heads=1, n_layers=9)
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in GPTModel(cfg).state_dict().items() if not k.endswith(".mask")}
    state = {k: torch.zeros(s) for k, s in shapes.items()}
    with pytest.raises(CheckpointError, match=r"no causal masks.*GB"):
        build_model(cfg, state)


def test_bfloat16_weights_run_in_float32(
    files: dict[str, bytes], config_bytes: bytes, model: GPTModel
) -> None:
    loaded = load_gpt_bytes(config_bytes, files["safetensors-bf16"], "m.safetensors")
    assert loaded.stored_dtypes == ("bfloat16",)
    assert all(p.dtype == torch.float32 for p in loaded.model.parameters())
    torch.testing.assert_close(logits(loaded.model), logits(model), atol=0.1, rtol=0.1)


# ------------------------------------------------------------------ code inside a pickle


class Payload:
    """Unpickling this runs `exec(code)`: the classic pickle attack. Here the code writes a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


def _handmade_pickle(marker: Path) -> bytes:
    """The same attack written opcode by opcode (protocol 2): GLOBAL builtins.exec, one string, REDUCE."""
    code = f"open({str(marker)!r}, 'w').write('pwned')".encode()
    return b"\x80\x02cbuiltins\nexec\nX" + len(code).to_bytes(4, "little") + code + b"\x85R."


KINDS = ("pth-zip", "pth-legacy", "raw-pickle")


def _unpickle_unsafely_elsewhere(paths: list[Path]) -> None:
    """Prove the payloads are live: load them WITHOUT weights_only, in a separate process, from temporary files.

    This is what an unsafe loader would do; the app never does it (tests/core/test_static_safety.py scans the
    project for it). A child process keeps the attack out of the test process; one child loads every file.
    """
    loader = (
        "import sys, torch\n"
        "for p in sys.argv[1:]:\n"
        "    try: torch.load(p, weights_only=False)\n"
        "    except Exception: pass\n"
    )
    subprocess.run(
        [sys.executable, "-c", loader, *map(str, paths)], capture_output=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def evil_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, bytes]]:
    """Three malicious checkpoints, each with its own marker file, shown to run their payload when unpickled."""
    folder = tmp_path_factory.mktemp("evil")
    markers = {kind: folder / f"pwned-{kind}.txt" for kind in KINDS}
    evil = {
        "pth-zip": pth_bytes({"tok_emb.weight": torch.zeros(2, 2), "evil": Payload(markers["pth-zip"])}),
        "pth-legacy": pth_bytes(Payload(markers["pth-legacy"]), zip_format=False),
        "raw-pickle": _handmade_pickle(markers["raw-pickle"]),
    }
    samples = []
    for kind, data in evil.items():
        samples.append(folder / f"evil-{kind}.pth")
        samples[-1].write_bytes(data)
    _unpickle_unsafely_elsewhere(samples)
    for kind, marker in markers.items():
        assert marker.read_text() == "pwned", f"the {kind} payload must be live, or this test proves nothing"
        marker.unlink()
    return {kind: (markers[kind], evil[kind]) for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_a_pickle_with_code_is_refused_and_never_run(
    kind: str, evil_files: dict[str, tuple[Path, bytes]], config_bytes: bytes
) -> None:
    marker, data = evil_files[kind]
    with pytest.raises(CheckpointError, match=r"refused|nothing in it was run") as caught:
        load_gpt_bytes(config_bytes, data, "model.pth")
    assert not marker.exists(), "the payload ran"
    assert "asks for `exec`" in str(caught.value)  # names what the file asked for


def test_loading_writes_no_file(
    files: dict[str, bytes], config_bytes: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every format is read from memory: no Python-level open for writing, nothing new in cwd or TMPDIR."""
    writes: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file, mode="r", *args, **kwargs):
        if any(c in str(mode) for c in "wax+"):
            writes.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    def spy_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            writes.append(str(path))
        return real_os_open(path, flags, *args, **kwargs)

    work, tmp = tmp_path / "cwd", tmp_path / "tmp"
    work.mkdir()
    tmp.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    for name, data in files.items():
        load_gpt_bytes(config_bytes, data, name)
    assert writes == []
    assert list(work.iterdir()) == [] and list(tmp.iterdir()) == []


# ------------------------------------------------------------------ wrong keys, shapes, configs, values


def _sd(model: GPTModel) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_missing_key_is_named(model: GPTModel, config_bytes: bytes) -> None:
    sd = _sd(model)
    del sd["trf_blocks.1.ff.layers.2.weight"]
    with pytest.raises(CheckpointError, match=r"missing `trf_blocks\.1\.ff\.layers\.2\.weight`"):
        load_gpt_bytes(config_bytes, save_safetensors(sd))


def test_renamed_keys_are_named_both_ways(model: GPTModel, config_bytes: bytes) -> None:
    sd = {k.replace("norm1", "ln_1"): v for k, v in _sd(model).items()}
    with pytest.raises(CheckpointError) as caught:
        load_gpt_bytes(config_bytes, pth_bytes(sd), "m.pth")
    text = str(caught.value)
    assert "missing `trf_blocks.0.norm1.scale`" in text and "unexpected `trf_blocks.0.ln_1.scale`" in text


def test_a_huggingface_gpt2_state_dict_is_not_taken_for_one(config_bytes: bytes) -> None:
    sd = {"transformer.wte.weight": torch.zeros(53, 8), "lm_head.weight": torch.zeros(53, 8)}
    with pytest.raises(CheckpointError, match=r"missing .*tok_emb\.weight.*unexpected .*transformer\.wte"):
        load_gpt_bytes(config_bytes, save_safetensors(sd))


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ({"emb_dim": 16}, "emb_dim = 8"),
        ({"vocab_size": 50257}, "vocab_size = 53"),
        ({"context_length": 1024}, "context_length = 8"),
        ({"n_layers": 4}, "n_layers = 2"),
        ({"n_layers": 1}, "n_layers = 2"),
        ({"qkv_bias": True}, "qkv_bias = false"),
    ],
)
def test_a_config_that_does_not_match_says_what_the_weights_look_like(
    change: dict, hint: str, files: dict[str, bytes]
) -> None:
    wrong = json.dumps({**CFG.to_dict(), **change}).encode()
    with pytest.raises(CheckpointError, match="do not match the config") as caught:
        load_gpt_bytes(wrong, files["safetensors"])
    assert hint in str(caught.value)


def test_wrong_shape_is_named(model: GPTModel, config_bytes: bytes) -> None:
    sd = _sd(model)
    sd["trf_blocks.0.att.out_proj.weight"] = torch.zeros(8, 4)
    with pytest.raises(
        CheckpointError, match=r"`trf_blocks\.0\.att\.out_proj\.weight` is \(8, 4\), expected \(8, 8\)"
    ):
        load_gpt_bytes(config_bytes, save_safetensors(sd))


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        (lambda sd: sd.update({"out_head.weight": sd["out_head.weight"].to(torch.int32)}), "floating point"),
        (lambda sd: sd["pos_emb.weight"].__setitem__((0, 0), float("nan")), "NaN"),
        (lambda sd: sd["tok_emb.weight"].__setitem__((1, 1), float("inf")), "infinite"),
        (lambda sd: sd.update({"trf_blocks.0.att.mask": torch.zeros(8, 8)}), "not the causal mask"),
        (lambda sd: sd.update({"trf_blocks.1.att.mask": torch.ones(8, 8).tril()}), "not the causal mask"),
    ],
)
def test_bad_values_are_refused(tamper, words: str, model: GPTModel, config_bytes: bytes) -> None:
    sd = _sd(model)
    tamper(sd)
    with pytest.raises(CheckpointError, match=words):
        load_gpt_bytes(config_bytes, save_safetensors(sd))


def test_not_a_state_dict(model: GPTModel, config_bytes: bytes) -> None:
    with pytest.raises(CheckpointError, match=r"not a tensor|does not hold a state dict"):
        load_gpt_bytes(config_bytes, pth_bytes({"tok_emb.weight": [1, 2, 3]}), "m.pth")
    with pytest.raises(CheckpointError, match="does not hold a state dict"):
        load_gpt_bytes(config_bytes, pth_bytes(torch.zeros(3)), "m.pth")
    with pytest.raises(CheckpointError, match="neither safetensors nor"):
        load_gpt_bytes(config_bytes, b"GGUF" + bytes(100), "model.gguf")
    with pytest.raises(CheckpointError, match="empty"):
        load_gpt_bytes(config_bytes, b"", "m.safetensors")


def test_size_limit(files: dict[str, bytes], config_bytes: bytes) -> None:
    data = files["safetensors"]
    with pytest.raises(CheckpointError, match="at most"):
        load_gpt_bytes(config_bytes, data, "m.safetensors", max_bytes=len(data) - 1)
    assert load_gpt_bytes(config_bytes, data, "m.safetensors", max_bytes=len(data)).config == CFG
    with pytest.raises(CheckpointError, match="a few hundred"):
        read_config(b"{" + b" " * 70_000 + b"}")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'{"vocab_size": 53, "context_length": 8', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not text"),
        (b"[1, 2, 3]", "JSON object"),
        (b'{"vocab_size": 53}', "has no"),
        (b"null", "JSON object"),
    ],
)
def test_bad_configs(data: bytes, words: str) -> None:
    with pytest.raises(CheckpointError, match=words):
        read_config(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fmt=st.sampled_from(["safetensors", "pth", "pth-legacy"]), fraction=st.floats(0.0, 0.999))
def test_any_truncation_is_a_clear_refusal(
    fmt: str, fraction: float, files: dict[str, bytes], config_bytes: bytes
) -> None:
    data = files[fmt]
    cut = data[: int(len(data) * fraction)]
    with pytest.raises(CheckpointError):
        load_gpt_bytes(config_bytes, cut, f"m.{fmt}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fmt=st.sampled_from(["safetensors", "pth", "pth-legacy"]),
    flips=st.lists(st.tuples(st.floats(0.0, 0.999), st.integers(1, 255)), min_size=1, max_size=8),
)
def test_corrupted_bytes_load_or_are_refused_never_crash(
    fmt: str, flips: list[tuple[float, int]], files: dict[str, bytes], config_bytes: bytes
) -> None:
    data = bytearray(files[fmt])
    for where, xor in flips:
        data[int(where * len(data))] ^= xor
    try:
        loaded = load_gpt_bytes(config_bytes, bytes(data), f"m.{fmt}")
    except CheckpointError:
        return
    assert torch.isfinite(logits(loaded.model)).all()  # anything that loads can run


def test_infer_config_reads_the_shapes(model: GPTModel) -> None:
    found = infer_config(model.state_dict())
    assert found == {"vocab_size": 53, "emb_dim": 8, "context_length": 8, "n_layers": 2, "qkv_bias": False}


def test_build_model_from_a_state_dict(model: GPTModel) -> None:
    loaded = build_model(CFG, model.state_dict())
    torch.testing.assert_close(logits(loaded.model), logits(model), atol=0, rtol=0)
    state, fmt, notes = read_state_dict(save_safetensors(_sd(model)))
    assert fmt == "safetensors" and notes == [] and set(state) == set(model.state_dict())


def test_weights_too_large_to_run_are_refused(model: GPTModel) -> None:
    sd = _sd(model)
    sd["trf_blocks.0.att.W_query.weight"][0, 0] = 3e37  # finite, but the scores would overflow to inf
    with pytest.raises(CheckpointError, match="as large as 3e\\+37"):
        build_model(CFG, sd)
