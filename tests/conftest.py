"""Shared test setup: repo root on sys.path, offline model hubs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# A page that fails shows a friendly message (ui/errors.py); in tests the exception is shown too, so a failing
# page still fails its AppTest (at.exception). The error-boundary tests turn this off to see what users see.
os.environ.setdefault("AE_SHOW_TRACEBACKS", "1")

# Generated tests (Hypothesis): a fixed example budget and derandomized, so CI runs the same examples every
# time in bounded time. HYPOTHESIS_PROFILE=explore searches with fresh random examples and a larger budget.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=40,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("explore", parent=settings.get_profile("ci"), derandomize=False, max_examples=400)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
