"""The HAProxy configuration in front of N Streamlit replicas: sticky sessions by cookie, health checks on
`/_stcore/health`, websockets kept open for a whole lesson.

One renderer serves both layouts: `make serve-replicas` (replicas on 127.0.0.1 ports) and the Docker
compose file (replicas by service name; `deploy/haproxy.compose.cfg` is this module's output, checked by a
test so the two cannot drift apart).

    python -m deploy.haproxy --compose > deploy/haproxy.compose.cfg
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

COOKIE = "ae_replica"  # the sticky-session cookie HAProxy sets (its value names the replica)
HEALTH_PATH = "/_stcore/health"  # Streamlit answers 200 "ok" once it accepts sessions
REPLICA_HEADER = "X-AE-Replica"  # names the replica that answered each response
BALANCER_HEALTH_PATH = "/_lb/health"  # HAProxy's own answer (200 while any replica is up, else 503)
COMPOSE_REPLICAS = 3  # services app1..app3 in compose.yaml
COMPOSE_REPLICA_PORT = 8501
COMPOSE_BIND = ":8080"
COMPOSE_STATS_BIND = "127.0.0.1:8404"


@dataclass(frozen=True)
class Server:
    """One replica as HAProxy sees it: its name (also its cookie value) and its address."""

    name: str
    host: str
    port: int


def haproxy_config(
    servers: Sequence[Server],
    bind: str,
    stats_bind: str | None = None,
    dns_resolver: str | None = None,
) -> str:
    """The full haproxy.cfg text for `servers` behind one frontend listening on `bind` ("127.0.0.1:8500").

    `stats_bind` adds HAProxy's stats page (CSV at `/;csv`, used by the fault test to see a replica go
    down); `dns_resolver` ("127.0.0.11:53" in Docker) makes HAProxy re-resolve replica names at run time.
    """
    if not servers:
        raise ValueError("at least one replica is needed")
    names = [s.name for s in servers]
    if len(set(names)) != len(names):
        raise ValueError(f"replica names must be unique: {names}")
    resolve = " resolvers dns init-addr last,libc,none" if dns_resolver else ""
    lines = [
        "# Attention Explorer: N Streamlit replicas behind one HAProxy (rendered by deploy/haproxy.py).",
        "global",
        "    maxconn 4096",
        "    log stdout format raw local0 info",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    option dontlognull",
        "    option forwardfor",
        "    # A dead replica: retry the connection, then send the request to a live one (its cookie is",
        "    # replaced), so a student whose replica died reconnects to another without doing anything.",
        "    option redispatch 1",
        "    retries 2",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 120s  # the first visit to the real-model page loads a model",
        "    timeout http-request 10s",
        "    timeout http-keep-alive 10s",
        "    timeout queue 30s",
        "    # A Streamlit session is a websocket; once upgraded, only the tunnel timeout applies. Keep it",
        "    # above a lesson's quiet minutes (Streamlit also pings the socket).",
        "    timeout tunnel 1h",
        "    timeout client-fin 5s",
        "",
    ]
    if dns_resolver:
        lines += [
            "resolvers dns",
            f"    nameserver local {dns_resolver}",
            "    hold valid 5s",
            "",
        ]
    lines += [
        "frontend students",
        f"    bind {bind}",
        f"    monitor-uri {BALANCER_HEALTH_PATH}",
        "    acl no_replica nbsrv(replicas) lt 1",
        "    monitor fail if no_replica",
        "    default_backend replicas",
        "",
        "backend replicas",
        "    # leastconn: an open websocket counts as a connection, so new students go to the replica",
        "    # with the fewest open sessions.",
        "    balance leastconn",
        "    # Sticky sessions by cookie, not by source address: a class behind one school NAT shares one",
        "    # address but every browser keeps its own cookie. The cookie is set on the first response (the",
        "    # page), so the websocket and every later request of that tab reach the same replica.",
        f"    cookie {COOKIE} insert indirect nocache httponly",
        f"    http-response set-header {REPLICA_HEADER} %[srv_name]  # which replica answered (for ops)",
        f"    option httpchk GET {HEALTH_PATH}",
        "    http-check expect status 200",
        "    # A dead replica refuses connections: three quick failed checks take it out in ~1.5 s. A busy one",
        "    # may answer slowly (its event loop shares the GIL with page runs): give it 5 s before a check fails.",
        "    timeout check 5s",
        "    default-server check inter 1s fastinter 500ms downinter 1s fall 3 rise 2 maxconn 1000",
    ]
    lines += [f"    server {s.name} {s.host}:{s.port} cookie {s.name}{resolve}" for s in servers]
    if stats_bind:
        lines += [
            "",
            "listen stats",
            f"    bind {stats_bind}",
            "    stats enable",
            "    stats uri /",
            "    stats refresh 2s",
        ]
    return "\n".join(lines) + "\n"


def compose_config() -> str:
    """The configuration shipped for compose.yaml: services app1..app3 on port 8501, DNS re-resolution."""
    servers = [Server(f"app{i}", f"app{i}", COMPOSE_REPLICA_PORT) for i in range(1, COMPOSE_REPLICAS + 1)]
    return haproxy_config(servers, COMPOSE_BIND, COMPOSE_STATS_BIND, dns_resolver="127.0.0.11:53")


def find_haproxy() -> str:
    """The haproxy binary (Debian puts it in /usr/sbin); a clear error when it is not installed."""
    found = shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).is_file()), None
    )
    if found is None:
        raise FileNotFoundError("haproxy is not installed: run `make haproxy` (the Debian package haproxy)")
    return found


def check_config(path: Path) -> subprocess.CompletedProcess[str]:
    """`haproxy -c -f path`: HAProxy's own validation of a configuration file."""
    return subprocess.run(
        [find_haproxy(), "-c", "-f", str(path)], capture_output=True, text=True, timeout=30, check=False
    )


def main(argv: list[str] | None = None) -> None:
    """Print a configuration: the compose one, or one for replicas on local ports."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--compose", action="store_true", help="the configuration for compose.yaml")
    ap.add_argument("--ports", default="8501,8502,8503", help="local replica ports (without --compose)")
    ap.add_argument("--bind", default="127.0.0.1:8500")
    args = ap.parse_args(argv)
    if args.compose:
        sys.stdout.write(compose_config())
        return
    ports = [int(p) for p in args.ports.split(",") if p]
    servers = [Server(f"r{i}", "127.0.0.1", port) for i, port in enumerate(ports, start=1)]
    sys.stdout.write(haproxy_config(servers, args.bind))


if __name__ == "__main__":
    main(sys.argv[1:])
