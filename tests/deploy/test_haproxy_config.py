"""The HAProxy configuration: HAProxy itself accepts every rendering, and the shipped compose one is current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy.haproxy import (
    COMPOSE_REPLICAS,
    COOKIE,
    HEALTH_PATH,
    Server,
    check_config,
    compose_config,
    haproxy_config,
)

ROOT = Path(__file__).resolve().parents[2]


def server_lines(cfg: str) -> list[str]:
    return [line.strip() for line in cfg.splitlines() if line.strip().startswith("server ")]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ports=st.lists(st.integers(1024, 65535), min_size=1, max_size=8, unique=True))
def test_any_local_cluster_renders_a_config_haproxy_accepts(tmp_path: Path, ports: list[int]) -> None:
    servers = [Server(f"r{i}", "127.0.0.1", p) for i, p in enumerate(ports, start=1)]
    cfg = haproxy_config(servers, "127.0.0.1:8500", "127.0.0.1:8501")
    path = tmp_path / "haproxy.cfg"
    path.write_text(cfg)
    checked = check_config(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Configuration file is valid" in checked.stdout + checked.stderr
    lines = server_lines(cfg)
    assert lines == [f"server r{i} 127.0.0.1:{p} cookie r{i}" for i, p in enumerate(ports, start=1)]


def test_sticky_cookie_health_checks_and_websocket_timeout() -> None:
    cfg = haproxy_config([Server("r1", "127.0.0.1", 9001), Server("r2", "127.0.0.1", 9002)], "127.0.0.1:9000")
    assert f"cookie {COOKIE} insert indirect nocache httponly" in cfg
    assert f"option httpchk GET {HEALTH_PATH}" in cfg and "http-check expect status 200" in cfg
    assert re.search(r"^\s+default-server check ", cfg, re.M), "every replica is health-checked"
    assert re.search(r"^\s+timeout tunnel 1h", cfg, re.M), "websockets outlive the HTTP timeouts"
    assert "option redispatch" in cfg, "a dead replica's students are sent to a live one"
    assert "bind 127.0.0.1:9000" in cfg and "listen stats" not in cfg


@pytest.mark.parametrize("servers", [[], [Server("r1", "h", 1), Server("r1", "h", 2)]])
def test_no_replica_or_duplicate_names_are_refused(servers: list[Server]) -> None:
    with pytest.raises(ValueError):
        haproxy_config(servers, "127.0.0.1:9000")


def test_shipped_compose_config_is_the_rendered_one_and_valid(tmp_path: Path) -> None:
    shipped = (ROOT / "deploy" / "haproxy.compose.cfg").read_text()
    assert shipped == compose_config(), (
        "regenerate: python -m deploy.haproxy --compose > deploy/haproxy.compose.cfg"
    )
    checked = check_config(ROOT / "deploy" / "haproxy.compose.cfg")
    out = checked.stdout + checked.stderr
    assert checked.returncode == 0 and "Configuration file is valid" in out, out
    # Outside Docker the service names do not resolve; that is the only warning allowed.
    warnings = [line for line in out.splitlines() if "[WARNING]" in line]
    assert all("could not resolve address" in w for w in warnings), warnings
    assert [line.split()[1] for line in server_lines(shipped)] == [
        f"app{i}" for i in range(1, COMPOSE_REPLICAS + 1)
    ]
    assert "resolvers dns" in shipped, "HAProxy re-resolves a restarted container's new address"
