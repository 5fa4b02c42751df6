"""`python -m bench.bench_layouts [--layouts N] [--start S] [--shuffle-files] | --held-out [--generated N]`:
the share of generated layouts read right (target: all), over a bigger randomised sweep than the test
suite's 50; with --held-out, the layouts nobody tuned the recogniser on (bench/layouts_heldout.py):
researched vendor layouts and a generated sweep from a kept-apart word pool, measured by kind, column
and findings.

Each layout (bench/layouts_gen.py) of the one canonical month is loaded into a fresh database and its
canonical tables and findings compared with those of the plain layout (bench/layouts_check.py). Prints the
share read right, the failing layouts with what differed, and the CPU seconds per layout (load + audit).
`--shuffle-files` gives the files in a random order to `ingest_files` (any file order must give the same
result once a batch loads credentialing first and held rows load again by themselves).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.layouts_check import differences, load_and_audit
from bench.layouts_gen import write_layout, write_plain


def _template(directory: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from audit_rows import build_template  # the test suite's reference tables (a few ICD-10 codes)

    return build_template(directory / "template.duckdb")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_layouts")
    parser.add_argument("--layouts", type=int, default=200)
    parser.add_argument("--start", type=int, default=1000, help="first seed (the test suite uses 1-50)")
    parser.add_argument("--shuffle-files", action="store_true")
    parser.add_argument(
        "--held-out", action="store_true",
        help="the held-out layouts (bench/layouts_heldout.py: researched vendor spellings + a kept-apart pool)",
    )  # fmt: skip
    parser.add_argument(
        "--generated", type=int, default=20, help="held-out generated layouts (with --held-out)"
    )
    args = parser.parse_args(argv)
    if args.held_out:
        return held_out(args.generated)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        os.environ.setdefault("CLEARTOBILL_KEY_FILE", str(directory / "hmac.key"))
        template = _template(directory)
        expected = load_and_audit(
            write_plain(directory / "plain").files, directory / "plain.duckdb", template
        )
        failures = []
        began = time.process_time()
        for seed in range(args.start, args.start + args.layouts):
            layout = write_layout(seed, directory / f"l{seed}", shuffle_files=args.shuffle_files)
            found = load_and_audit(
                layout.files, directory / f"l{seed}.duckdb", template, batch=args.shuffle_files
            )
            diff = differences(expected, found)
            if diff:
                failures.append((layout.description, diff))
        spent = time.process_time() - began
    right = args.layouts - len(failures)
    print(f"layouts read right: {right}/{args.layouts} ({right / args.layouts:.1%}); target: all")
    print(f"CPU per layout (load + audit): {spent / args.layouts:.2f} s")
    for description, diff in failures[:20]:
        print(f"  FAIL {description}")
        for line in diff[:4]:
            print(f"    {line[:200]}")
    return 0 if not failures else 1


def held_out(generated: int) -> int:
    """Kinds, columns and findings of the held-out layouts; the share read right (target: all)."""
    from bench.layouts_heldout import all_probes, check

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        os.environ.setdefault("CLEARTOBILL_KEY_FILE", str(directory / "hmac.key"))
        template = _template(directory)
        plain = load_and_audit(write_plain(directory / "plain").files, directory / "plain.duckdb", template)
        probes = all_probes(generated)
        totals = {"kinds": [0, 0], "cols": [0, 0]}
        right = 0
        failures = []
        for probe in probes:
            found = check(probe, directory / probe.name, plain, template)
            for key in totals:
                totals[key][0] += found[key][0]
                totals[key][1] += found[key][1]
            whole = (
                not found["diff"]
                and found["kinds"][0] == found["kinds"][1]
                and found["cols"][0] == found["cols"][1]
            )
            right += whole
            if not whole:
                failures.append((probe, found))
    n = len(probes)
    same = n - sum(1 for _p, f in failures if f["diff"])
    print(
        f"held-out layouts read right (kinds, columns and findings): {right}/{n} ({right / n:.1%}); target: all"
    )
    print(f"  findings equal to the plain layout's: {same}/{n}")
    print(f"  sheets of the right kind: {totals['kinds'][0]}/{totals['kinds'][1]}")
    print(f"  columns mapped right: {totals['cols'][0]}/{totals['cols'][1]}")
    for probe, found in failures:
        print(f"  FAIL {probe.name} [{probe.source[:70]}]")
        for line in [p for p in found["problems"] if not p.startswith("  warn")][:4] + found["diff"][:2]:
            print(f"    {line[:200]}")
    return 0 if right == n else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
