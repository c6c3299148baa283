"""A stand-in for attention_core.learning.worker that speaks its protocol without torch (for service tests).

It "trains" by logging one step every 20 ms. Seeds pick a misbehaviour: 13 exits in the middle of a run,
14 ignores Stop and the time limit (the service must end it), anything else behaves.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time


def main() -> None:
    """Serve train commands from stdin until it closes."""
    jobs: queue.Queue = queue.Queue()
    stops: set[str] = set()

    def read() -> None:
        for line in sys.stdin:
            cmd = json.loads(line)
            if cmd["cmd"] == "train":
                jobs.put(cmd)
            elif cmd["cmd"] == "stop":
                stops.add(cmd["job"])
        jobs.put(None)

    def emit(event: dict) -> None:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()

    threading.Thread(target=read, daemon=True).start()
    emit({"event": "ready", "torch": "fake"})
    while (cmd := jobs.get()) is not None:
        job, config, limit = cmd["job"], cmd["config"], float(cmd["time_limit"])
        emit({"event": "started", "job": job})
        start, reason = time.monotonic(), "finished"
        stubborn = config["seed"] == 14
        for step in range(config["steps"] + 1 if not stubborn else 10**9):
            if not stubborn and job in stops:
                reason = "stopped"
                break
            if not stubborn and time.monotonic() - start > limit:
                reason = "time limit"
                break
            if config["seed"] == 13 and step == 3:
                sys.exit(3)
            emit({"event": "log", "job": job, "step": step, "metrics": {"train_loss": 1.0 / (step + 1)}})
            time.sleep(0.02)
        emit({"event": "done", "job": job, "stopped": reason, "seconds": time.monotonic() - start})


if __name__ == "__main__":
    main()
