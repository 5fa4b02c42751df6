"""Dashboard speed (#5): each page's script run under streamlit's AppTest.

Targets: every page's run <= 1.5 s on the default demo database (audits.demo.build_demo, 150,000 lines),
and <= 3 s with a 1,000,000-line month (bench.bench_audit's synthetic practice, audited). A run is timed
twice: cold (first visit after the data changed: aggregates not cached yet; the first page also pays for
the measure cube of audits.measures, which the other pages then share) and warm (median of three
reruns, what a user feels when changing a filter). `python -m bench.bench_pages [--demo-lines N] [--big-lines N]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("audit", "upload", "provider", "clearance", "trends")


def time_pages(db: Path) -> dict[str, tuple[float, float]]:
    """{page: (cold seconds, warm median seconds)} of the whole script run (entrypoint + page)."""
    from streamlit.testing.v1 import AppTest

    os.environ["CLEARTOBILL_DB"] = str(db)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    timings = {}
    for index, page in enumerate(PAGES):  # PAGES[0] is the default page: the first run shows it
        if index:
            at.switch_page(f"app_pages/{page}.py")
        began = time.perf_counter()
        at.run()
        cold = time.perf_counter() - began
        if at.exception:
            raise RuntimeError(f"{page} failed: {at.exception[0].value}")
        warm = []
        for _ in range(3):
            began = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - began)
        timings[page] = (cold, statistics.median(warm))
    return timings


def report(label: str, timings: dict[str, tuple[float, float]], target: float) -> None:
    print(f"   {label} (target <= {target:.1f} s per run)")
    for page, (cold, warm) in timings.items():
        worst = max(cold, warm)
        verdict = "OK" if worst <= target else "OVER TARGET"
        print(
            f"     {page:<10} cold {cold:5.2f} s  warm {warm:5.2f} s  "
            f"ratio to target {worst / target:4.2f}  {verdict}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_pages")
    parser.add_argument("--demo-lines", type=int, default=150_000)
    parser.add_argument("--big-lines", type=int, default=1_000_000)
    args = parser.parse_args(argv or [])
    from audits.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("CLEARTOBILL_KEY_FILE", str(Path(tmp) / "hmac.key"))
        # A running dashboard has streamlit, plotly and pandas imported already: pay for that once here,
        # on an empty database (its numbers are the empty-state pages).
        report("empty database (also warms up the process)", time_pages(Path(tmp) / "empty.duckdb"), 1.5)
        demo_db = Path(tmp) / "demo.duckdb"
        began = time.perf_counter()
        build_demo(demo_db, lines=args.demo_lines, out_dir=Path(tmp) / "files")
        print(
            f"   demo database: {args.demo_lines:,} lines built in {time.perf_counter() - began:.0f} s",
            flush=True,
        )
        report(f"demo practice, {args.demo_lines:,} lines", time_pages(demo_db), 1.5)
        demo_db.unlink()

        from bench.bench_audit import build, time_audit

        big_db = Path(tmp) / "big.duckdb"
        began = time.perf_counter()
        build(big_db, args.big_lines)
        seconds, _cpu, audited, findings = time_audit(big_db)
        print(
            f"   big month: {args.big_lines:,} lines built and audited in {time.perf_counter() - began:.0f} s "
            f"(run_audit {seconds:.1f} s, {findings:,} findings)",
            flush=True,
        )
        report(f"one month of {audited:,} lines", time_pages(big_db), 3.0)
    print(f"   (load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())})")


if __name__ == "__main__":
    main(sys.argv[1:])
