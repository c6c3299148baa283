"""Run every benchmark module in bench/ that defines main(), in a fixed order, and print their tables."""

from __future__ import annotations

import importlib
import pkgutil
import time

import bench

ORDER = ["pages"]  # others follow alphabetically


def main() -> None:
    """Import and run each bench module's main()."""
    names = [m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in {"common", "__main__"}]
    names.sort(key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "main"):
            start = time.perf_counter()
            module.main()
            print(f"(bench.{name}: {time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
