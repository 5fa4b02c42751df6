"""Demo practice speed (issue 2; see bench/README.md).

`python -m audits demo` with --lines 150000, end to end (generate + ingest every file + 12 audits),
measured in one run: target < 120 s wall on the 2-core machine. Reported as ratios so the number
means the same on a faster or busier machine: total / 120 s, and each stage's share, plus CPU
time (user + system of this process) next to the wall time, since a busy machine stretches the
wall clock. `python -m bench.bench_demo [--lines N]`. Synthetic data only.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from audits.demo import build_demo

TARGET_SECONDS = 120.0


def measure(lines: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("CLEARTOBILL_KEY_FILE", str(Path(tmp) / "hmac.key"))
        cpu0, wall0 = time.process_time(), time.perf_counter()
        summary = build_demo(
            Path(tmp) / "demo.duckdb", lines=lines, out_dir=Path(tmp) / "files", end_month="2026-10"
        )
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    stages = summary["seconds"]
    return {"wall": wall, "cpu": cpu, **stages}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=150_000)
    args = parser.parse_args(argv or [])
    result = measure(args.lines)
    wall = result["wall"]
    print(f"   demo --lines {args.lines}: {wall:.1f} s wall, {result['cpu']:.1f} s CPU")
    for stage in ("generate", "ingest", "audit"):
        print(f"   {stage:>8}: {result[stage]:6.1f} s  ({result[stage] / wall:.0%} of the run)")
    verdict = "ok" if wall <= TARGET_SECONDS else "OVER TARGET"
    print(f"   total / {TARGET_SECONDS:.0f} s target = {wall / TARGET_SECONDS:.2f}  [{verdict}]")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
