"""`python -m audits --help` starts fast (issue 13: <= 0.4 s, measured by bench/bench_scale.py): it
imports no command's core - no pandas, DuckDB, numpy or pyarrow - because each command module imports
what its run() needs inside run(), and choices from the core are read lazily (cli.lazy_choices)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pandas", "duckdb", "numpy", "pyarrow", "sqlglot", "audits.store", "audits.ingest")
PROBE = """
import runpy, sys
sys.argv = ["audits", *{argv!r}]
try:
    runpy.run_module("audits", run_name="__main__")
except SystemExit:
    pass
print(" ".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "argv", [["--help"], ["run", "--help"], ["gate", "--help"], ["export-parquet", "--help"]]
)
def test_help_imports_no_heavy_module(argv):
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "usage: python -m audits" in done.stdout
    assert done.stderr.strip().splitlines()[-1:] in ([], [""]), done.stderr


def test_a_lazy_choice_is_still_checked():
    done = subprocess.run(
        [sys.executable, "-m", "audits", "ingest", "--kind", "bogus", "x.csv"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "invalid choice: 'bogus'" in done.stderr and "'roster'" in done.stderr
