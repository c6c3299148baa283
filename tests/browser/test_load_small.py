"""A small class at once (CI size): 4 concurrent websocket sessions typing and changing settings, 0 errors."""

from __future__ import annotations

import math

import psutil

from bench.load import gc_env, parse_args, print_report, run_load
from tests.support.server import free_port, streamlit_server


def test_four_sessions_without_errors() -> None:
    report = run_load(sessions=4, interactions=4, think=(0.2, 0.6), timeout=120, limit=240, ramp=1.0)
    print_report(report)
    assert report.errors == [], report.errors[:5]
    assert report.interactions == 4 * 4, "every planned interaction was measured"
    assert len(report.first_view) == 4
    assert math.isfinite(report.percentile(95)) and report.percentile(95) > 0
    assert min(report.nbytes) > 0, "every interaction sent something back"
    assert report.rss_peak >= report.rss_warm > report.rss_start > 0


def test_post_script_gc_flag_reaches_the_server(tmp_path) -> None:
    assert parse_args([]).post_script_gc is False  # the default follows .streamlit/config.toml (off)
    assert parse_args(["--post-script-gc"]).post_script_gc is True
    assert parse_args(["--no-post-script-gc"]).post_script_gc is False
    for on, want in ((True, "true"), (False, "false")):
        port = free_port()
        with streamlit_server(port, tmp_path / f"gc-{want}.log", gc_env(on)) as proc:
            # `streamlit run` reads STREAMLIT_RUNNER_POST_SCRIPT_GC as the --runner.postScriptGC flag,
            # which takes precedence over config.toml
            assert psutil.Process(proc.pid).environ()["STREAMLIT_RUNNER_POST_SCRIPT_GC"] == want
        assert proc.poll() is not None  # stopped on leaving the block
