"""The tiny demo GPTModel shipped in ``assets/tiny_gpt/`` (made by ``scripts/train_tiny_gpt.py``).

It is loaded through the same safe loader as an upload; the page's computation is
``attention_core.views.own_model``.
"""

from __future__ import annotations

import json
from pathlib import Path

from attention_core.checkpoint import DEFAULT_MAX_WEIGHTS_BYTES, LoadedGPT, load_gpt_bytes

DEMO_DIR = Path(__file__).resolve().parent / "assets" / "tiny_gpt"
DEMO_CONFIG, DEMO_WEIGHTS, DEMO_INFO = "config.json", "model.safetensors", "training.json"


def load_demo(max_bytes: int | None = DEFAULT_MAX_WEIGHTS_BYTES) -> LoadedGPT:
    """The shipped tiny GPTModel, read through the same checks as an uploaded checkpoint."""
    return load_gpt_bytes(
        (DEMO_DIR / DEMO_CONFIG).read_bytes(), (DEMO_DIR / DEMO_WEIGHTS).read_bytes(), DEMO_WEIGHTS, max_bytes
    )


def demo_info() -> dict[str, object]:
    """How the demo model was trained (written by scripts/train_tiny_gpt.py)."""
    return dict(json.loads((DEMO_DIR / DEMO_INFO).read_text(encoding="utf-8")))
