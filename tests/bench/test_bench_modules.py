"""Every bench module runs to the end: each is dry-run in its quick mode, in its own process, as `make bench`
would run it (`python -m bench.<name> --quick`). A new module in bench/ is picked up automatically."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import module_names

ROOT = Path(__file__).resolve().parents[2]
BENCH_FILES = sorted(
    p.stem for p in (ROOT / "bench").glob("*.py") if p.stem not in {"__init__", "__main__", "common"}
)


def test_python_m_bench_runs_every_module() -> None:
    assert sorted(module_names()) == BENCH_FILES
    assert module_names()[0] == "pages"
    for name in module_names():
        main = importlib.import_module(f"bench.{name}").main
        assert "argv" in inspect.signature(main).parameters, f"bench.{name}.main takes argv (for --quick)"


@pytest.mark.parametrize("name", BENCH_FILES)
def test_bench_module_runs_to_the_end_in_quick_mode(name: str) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"bench.{name} --quick failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "|---" in proc.stdout, f"bench.{name} printed no table"  # it got as far as its figures
