"""`pip install .` gives a working attention_core, with every asset, usable from any folder."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.library.conftest import ROOT, Installed

ASSETS = ROOT / "attention_core" / "assets"

USE_IT = r"""
import json, sys
import torch
import attention_core as ac
from attention_core import own_model
from attention_core.translation import models as tm

out = {"file": ac.__file__, "version": ac.__version__}
demo = own_model.load_demo()  # the shipped GPTModel checkpoint, through the safe loader
tok = ac.gpt2_tokenizer()
ids = tok.encode("the small cat sees the big dog .")
weights = ac.attention_weights(demo.model, torch.tensor(ids))
fig = ac.show(weights, [tok.label(i) for i in ids])
out["weights"] = list(weights.shape)
out["figure"] = type(fig).__name__
out["heatmap"] = type(ac.show(weights[0, 0], [tok.label(i) for i in ids])).__name__
models = tm.load_models()  # the toy translators' safetensors + config + vocabularies
out["translators"] = [type(models.bottleneck).__name__, type(models.attention).__name__]
out["streamlit"] = "streamlit" in sys.modules
print(json.dumps(out))
"""


def test_the_wheel_holds_the_library_and_every_asset(installed_library: Installed) -> None:
    names = set(zipfile.ZipFile(installed_library.wheel).namelist())
    shipped = {p.relative_to(ROOT).as_posix() for p in ASSETS.rglob("*") if p.is_file()}
    assert shipped, "no assets found in the repository"
    assert shipped <= names, f"assets missing from the wheel: {sorted(shipped - names)[:10]}"
    assert {
        "attention_core/__init__.py",
        "attention_core/api.py",
        "attention_core/figures/transformer.py",
    } <= names
    others = {n.split("/")[0] for n in names if not n.startswith("attention_core/")}
    assert len(others) == 1 and others.pop().endswith(".dist-info")  # the app, tests, scripts stay out


def test_installed_assets_are_byte_for_byte_the_repositorys(installed_library: Installed) -> None:
    for path in ASSETS.rglob("*"):
        if path.is_file():
            rel = path.relative_to(ROOT)
            copy = installed_library.site / rel
            assert copy.is_file(), f"{rel} is not installed"
            assert hashlib.sha256(copy.read_bytes()).digest() == hashlib.sha256(path.read_bytes()).digest(), (
                rel
            )


def test_works_from_another_folder_without_the_repository(
    installed_library: Installed, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", USE_IT],
        cwd=elsewhere,
        env=installed_library.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(out["file"]).is_relative_to(installed_library.site), out["file"]  # not the repository's copy
    assert out["weights"][:2] == [2, 4] and out["figure"] == "Figure" and out["heatmap"] == "Figure"
    assert out["translators"] == ["BottleneckTranslator", "AttentionTranslator"]
    assert out["streamlit"] is False  # the library never imports streamlit
    assert list(elsewhere.iterdir()) == []  # and writes nothing where it runs
