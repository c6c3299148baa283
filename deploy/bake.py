"""Bake the pretrained models into an image at build time, offline: load MiniLM from its pip package and
convert SmolLM2's 4-bit GGUF to the float32 safetensors cache ($ATTENTION_EXPLORER_CACHE), so that no
replica converts anything (or reaches a model hub) when it starts.

    HF_HUB_OFFLINE=1 python -m deploy.bake
"""

from __future__ import annotations

import os
import sys
import time

from attention_core import pretrained


def main() -> None:
    """Load each model once (SmolLM2 through its converted cache); exit non-zero if one is unavailable."""
    if os.environ.get("HF_HUB_OFFLINE") != "1":
        sys.exit("bake runs offline: set HF_HUB_OFFLINE=1 (the models come from pip packages)")
    print(f"cache: {pretrained.cache_dir()}", flush=True)
    for key in pretrained.MODELS:
        start = time.perf_counter()
        try:
            loaded = pretrained.load_model(key, progress=lambda m: print(f"  {m}", flush=True))
        except pretrained.ModelUnavailableError as exc:
            sys.exit(f"{key}: {exc}")
        layers, heads = loaded.num_layers, loaded.num_heads
        print(
            f"{key}: {layers} layers x {heads} heads from {loaded.source} ({time.perf_counter() - start:.1f} s)"
        )


if __name__ == "__main__":
    main()
