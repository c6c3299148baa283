"""Train the shipped runs of the "Watch attention learn" page and write them to attention_core/assets/learning/.

    python scripts/train_learning.py              # every shipped run (about a minute of CPU, one thread)
    python scripts/train_learning.py subject-pos  # only the named runs
    python scripts/train_learning.py --check      # retrain in memory and compare with the files, bit for bit

Each run is `attention_core.learning.train.train` with the page's default settings of its task (seeded, one
torch thread — the same function, settings and thread count as a live run in the page's worker), written
as <name>.json (config, torch version, metrics per logged step) and <name>.safetensors (weight snapshots).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# before torch is imported (it picks its CPU kernels then): the kernels of the page's training workers
# (attention_core.learning.jobs.TORCH_KERNELS), so a live run repeats these runs bit for bit
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")

import torch  # noqa: E402
from tqdm import tqdm  # noqa: E402

from attention_core.learning.shipped import ASSET_DIR, SHIPPED, load_shipped  # noqa: E402
from attention_core.learning.train import train  # noqa: E402
from attention_core.learning.trajectory import Trajectory, same_prefix, save  # noqa: E402


def run_one(name: str) -> Trajectory:
    """Train one shipped run with a progress bar."""
    config = SHIPPED[name].config
    with tqdm(total=config.steps, desc=name, unit="step", leave=True) as bar:

        def on_log(step: int, metrics: dict, state: object) -> None:
            bar.update(step - bar.n)
            shown = {k: v for k, v in metrics.items() if isinstance(v, float)}
            bar.set_postfix({k: f"{v:.3f}" for k, v in list(shown.items())[1:4]})

        return train(config, on_log=on_log)


def main(argv: list[str] | None = None) -> int:
    """Train (or check) the named shipped runs; returns the exit code."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", choices=[[], *SHIPPED], help="runs to make (default: all)")
    parser.add_argument("--out", type=Path, default=ASSET_DIR)
    parser.add_argument("--check", action="store_true", help="compare fresh runs with the files instead")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    failed = 0
    for name in args.names or list(SHIPPED):
        run = run_one(name)
        if args.check:
            same, worst, compared = same_prefix(run, load_shipped(name, args.out))
            print(
                f"{name}: {'identical' if same else f'DIFFERENT (max diff {worst:.3g})'} on {compared} records"
            )
            failed += not same
        else:
            json_path, weights_path = save(run, args.out, name)
            size = (json_path.stat().st_size + weights_path.stat().st_size) / 1024
            print(
                f"{name}: {run.stopped} after {run.last_step} steps in {run.seconds:.1f} s -> {size:.0f} kB"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
