"""The pretrained models, loaded once per test process for the issue-16 tests (read-only: never change them)."""

from __future__ import annotations

import functools

from attention_core import pretrained as pt


@functools.lru_cache(maxsize=2)
def loaded(key: str) -> pt.LoadedModel:
    """`pretrained.load_model(key)`, once per process."""
    return pt.load_model(key)
