"""`python -m bench [NAME ...] [-- ARGS]`: run the benchmarks (all by default), print their reports,
and write them to bench/RESULTS.md with the machine described (`make bench` regenerates it end to end).
ARGS after `--` go to each named benchmark, e.g. `python -m bench scale -- --sizes 1000000 --rounds 3`.

bench_scale returns its section as Markdown tables; the others' printed reports are kept verbatim.
A run of some benchmarks only (`python -m bench scale`) writes RESULTS.md with just those.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import io
import os
import sys
import time
from pathlib import Path

from bench.harness import machine

BENCHES = (
    "bench_scale",
    "bench_x12",
    "bench_oxedi",
    "bench_ingest",
    "bench_roster",
    "bench_audit",
    "bench_reports",
    "bench_demo",
    "bench_pages",
    "bench_gate",
    "bench_layouts",
)
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


class _Tee(io.TextIOBase):
    """Writes to the terminal and keeps a copy (a benchmark's report)."""

    def __init__(self, terminal):
        self.terminal, self.copy = terminal, io.StringIO()

    def write(self, text: str) -> int:
        self.terminal.write(text)
        self.terminal.flush()
        return self.copy.write(text)


def main(argv: list[str]) -> int:
    args: list[str] = []
    if "--" in argv:
        argv, args = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    names = argv or list(BENCHES)
    failures: list[str] = []
    began = time.perf_counter()
    out = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`python -m bench {' '.join(argv)}`".rstrip()
        + f") on {dt.date.today():%Y-%m-%d}.",
        "Every target is a ratio of medians measured in the same run; see bench/README.md.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
    ]
    for name in names:
        module_name = name if name.startswith("bench_") else f"bench_{name}"
        print(f"== {module_name}", flush=True)
        try:
            module = importlib.import_module(f"bench.{module_name}")
        except ModuleNotFoundError:
            print(f"   (not written yet: bench/{module_name}.py)")
            continue
        tee = _Tee(sys.stdout)
        started = time.perf_counter()
        try:
            with contextlib.redirect_stdout(tee):
                section = module.main(args)
        except Exception as exc:  # noqa: BLE001 - one failing benchmark must not lose the others' figures
            print(f"   FAILED: {type(exc).__name__}: {exc}", flush=True)
            section = None
            tee.copy.write(f"FAILED: {type(exc).__name__}: {str(exc)[:2000]}\n")
            failures.append(module_name)
        seconds = time.perf_counter() - started
        if isinstance(section, list):
            out += [*section, "", f"({module_name}: {seconds:.0f} s)", ""]
        else:
            out += [
                f"## {module_name}",
                "",
                "```",
                tee.copy.getvalue().rstrip(),
                "```",
                f"({seconds:.0f} s)",
                "",
            ]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    out.append(
        f"All of it took {(time.perf_counter() - began) / 60:.1f} min; load average at the end: {load}."
    )
    RESULTS.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"Written to {RESULTS}" + (f"; FAILED: {', '.join(failures)}" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
