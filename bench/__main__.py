"""Run every benchmark module in bench/ (each defines main(argv)), in a fixed order, and print their tables.

    python -m bench            # every module, full size (make bench)
    python -m bench --quick    # every module in its small mode (what the dry-run test in make test runs)

A module that fails does not stop the others; the run exits non-zero naming every module that failed.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback

import bench

ORDER = ["pages"]  # others follow alphabetically
NOT_BENCHES = {"common", "__main__"}


def module_names() -> list[str]:
    """Every bench module, in the order `python -m bench` runs them."""
    names = [m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in NOT_BENCHES]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def main(argv: list[str] | None = None) -> int:
    """Import and run each bench module's main(argv); returns the number of modules that failed."""
    argv = list(argv if argv is not None else sys.argv[1:])
    failed = []
    for name in module_names():
        start = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main(argv)
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"(bench.{name}: {time.perf_counter() - start:.1f} s{', FAILED' if name in failed else ''})")
    if failed:
        print(f"\nbench modules that failed: {', '.join(failed)}", file=sys.stderr)
    return len(failed)


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
