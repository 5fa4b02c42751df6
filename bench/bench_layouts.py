"""`python -m bench.bench_layouts [--layouts N] [--start S] [--shuffle-files]`: the share of generated
layouts read right (target: all), over a bigger randomised sweep than the test suite's 50.

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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
