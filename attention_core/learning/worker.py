"""A training worker process: reads commands as JSON lines on stdin, streams a run's progress on stdout.

    python -m attention_core.learning.worker

It lowers its own CPU priority (nice, default +10) and uses one torch thread, so a class reading the other
pages keeps the CPU it needs while trainings run; the numbers are the same as in-process training with one
thread. Commands (one JSON object per line):

    {"cmd": "train", "job": "<id>", "config": {...TrainConfig...}, "time_limit": 75.0}
    {"cmd": "stop", "job": "<id>"}          # ends that run after its current step
    {"cmd": "exit"}                          # (or end of stdin) the worker exits

Events it writes: {"event": "ready", "torch": "<version>"}, then per run "started", "log" (step, metrics),
"snapshot" (step, weights as base64 safetensors bytes, bit-exact), and "done" (why it stopped, seconds) or
"error" (message). Nothing it reads is executed: configs are validated data.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import sys
import threading
import traceback
from collections.abc import Mapping
from typing import Any

NICE_ENV = "ATTENTION_EXPLORER_TRAIN_NICE"


def encode_state(state: Mapping[str, Any]) -> str:
    """Weights -> base64 of their safetensors bytes (exact float32 bits)."""
    from safetensors.torch import save

    return base64.b64encode(save({k: v.contiguous() for k, v in state.items()})).decode("ascii")


def decode_state(text: str) -> dict[str, Any]:
    """The inverse of `encode_state`."""
    from safetensors.torch import load

    return dict(load(base64.b64decode(text.encode("ascii"))))


def main() -> None:
    """Serve train commands until stdin closes."""
    with contextlib.suppress(OSError, ValueError):
        os.nice(int(os.environ.get(NICE_ENV, "10")))
    import torch

    torch.set_num_threads(1)
    from attention_core.learning.config import ConfigError, TrainConfig
    from attention_core.learning.train import train, warm_up

    warm_up()  # data and first kernels now, before "ready", so a run's first step comes quickly

    out_lock = threading.Lock()

    def emit(event: dict[str, Any]) -> None:
        line = json.dumps(event, allow_nan=True, separators=(",", ":"))
        with out_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    jobs: queue.Queue[dict[str, Any] | None] = queue.Queue()
    stops: set[str] = set()
    stops_lock = threading.Lock()

    def read_commands() -> None:
        for line in sys.stdin:
            try:
                cmd = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(cmd, dict):
                continue
            if cmd.get("cmd") == "train":
                jobs.put(cmd)
            elif cmd.get("cmd") == "stop":
                with stops_lock:
                    stops.add(str(cmd.get("job")))
            elif cmd.get("cmd") == "exit":
                break
        jobs.put(None)

    threading.Thread(target=read_commands, name="commands", daemon=True).start()
    emit({"event": "ready", "torch": torch.__version__})
    while (cmd := jobs.get()) is not None:
        job = str(cmd.get("job"))
        try:
            config = TrainConfig.from_dict(dict(cmd.get("config") or {}))
            time_limit = float(cmd.get("time_limit") or 0) or None
        except (ConfigError, TypeError, ValueError) as err:
            emit({"event": "error", "job": job, "message": f"bad training config: {err}"})
            continue
        emit({"event": "started", "job": job})

        def on_log(step: int, metrics: Mapping[str, Any], state: Mapping[str, Any] | None, job: str = job):
            emit({"event": "log", "job": job, "step": step, "metrics": dict(metrics)})
            if state is not None:
                emit({"event": "snapshot", "job": job, "step": step, "weights": encode_state(state)})

        def should_stop(job: str = job) -> bool:
            with stops_lock:
                return job in stops

        try:
            run = train(config, on_log=on_log, should_stop=should_stop, time_limit=time_limit)
        except Exception as err:  # report and keep serving
            emit({"event": "error", "job": job, "message": f"{type(err).__name__}: {err}"})
            traceback.print_exc(file=sys.stderr)
            continue
        emit({"event": "done", "job": job, "stopped": run.stopped, "seconds": run.seconds})


if __name__ == "__main__":
    main()
