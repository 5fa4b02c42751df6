"""`python -m bench [NAME ...]`: run the benchmarks (all by default) and print their reports."""

from __future__ import annotations

import importlib
import sys

BENCHES = (
    "bench_x12",
    "bench_ingest",
    "bench_roster",
    "bench_audit",
    "bench_reports",
    "bench_demo",
    "bench_pages",
    "bench_gate",
    "bench_layouts",
)


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    for name in names:
        module_name = name if name.startswith("bench_") else f"bench_{name}"
        print(f"== {module_name}", flush=True)
        try:
            module = importlib.import_module(f"bench.{module_name}")
        except ModuleNotFoundError:
            print(f"   (not written yet: bench/{module_name}.py)")
            continue
        module.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
