"""The library as a reader installs it: a wheel built from a clean copy of the repository, installed apart.

`pip install .` is what the README tells readers to run. Here the same build runs offline and without touching
the work tree: pyproject.toml, README.md and attention_core/ are copied to a temporary folder, a wheel is built
there with the venv's own setuptools (--no-build-isolation: no download), and installed with --no-deps into a
separate --target folder, so the shared venv's dependencies are used but the repository is not on the path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIP_TIMEOUT = 600


@dataclass(frozen=True)
class Installed:
    """Where the wheel and the installed package are."""

    wheel: Path
    site: Path  # the --target folder: put it on PYTHONPATH to import the installed attention_core

    def env(self) -> dict[str, str]:
        """An environment whose only extra import path is the installed copy (never the repository)."""
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(
            PYTHONPATH=str(self.site), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONNOUSERSITE="1"
        )
        return env


def _pip(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", *args], cwd=cwd, capture_output=True, text=True, timeout=PIP_TIMEOUT
    )
    assert done.returncode == 0, f"pip {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


@pytest.fixture(scope="session")
def installed_library(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel from a clean copy and install it into its own folder (once per test session)."""
    base = tmp_path_factory.mktemp("library")
    src, dist, site = base / "src", base / "dist", base / "site"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "attention_core", src / "attention_core", ignore=shutil.ignore_patterns("__pycache__")
    )
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(dist), ".", cwd=src)
    (wheel,) = dist.glob("*.whl")
    _pip("install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel), cwd=base)
    return Installed(wheel, site)
