"""A pytest plugin for bench_oxedi: runs our 835 tests with parse_835 wrapped so that each input is
also given to oxedi, and records per test whether oxedi's tables carry the same service lines,
adjustments and remarks as our canonical frames, or refuse a file we read (or read one we refuse).

    python -m pytest -p bench.oxedi_probe tests/test_ingest_x12_835.py   (bench_oxedi runs it)

A test "would fail on oxedi" when any of its inputs differ in one of those ways. Writes the verdicts
as JSON lines to $OXEDI_PROBE_OUT.
"""

from __future__ import annotations

import json
import os

import pytest

from audits.errors import InputError

_current: dict = {}


def _probe(original):
    def wrapped(data, source_name=""):
        import oxedi
        import pyarrow as pa

        differences = _current.setdefault("differences", [])
        try:
            ours = original(data, source_name)
        except InputError:
            try:
                oxedi.parse(bytes(data))
                differences.append("oxedi reads a file ours refuses")
            except Exception:  # noqa: BLE001 - both refuse: same behaviour
                pass
            raise
        try:
            result = oxedi.parse(bytes(data))
        except Exception as exc:  # noqa: BLE001
            differences.append(f"oxedi refuses it ({type(exc).__name__})")
            return ours
        tables = {name: pa.table(result.tables[name]) for name in result.tables.keys()}
        remark_rows = sum(t.num_rows for n, t in tables.items() if "remark" in n)
        for what, mine, theirs in (
            ("service lines", len(ours.lines), tables["services"].num_rows),
            ("adjustments", len(ours.adjustments), tables["adjustments"].num_rows),
            ("remarks", len(ours.remarks), remark_rows),
        ):
            if mine != theirs:
                differences.append(f"{what}: ours {mine}, oxedi {theirs}")
        if ours.problems and not result.diagnostics:
            differences.append("ours reports problems, oxedi no diagnostic")
        return ours

    return wrapped


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    import audits.ingest.x12_835 as module

    original = module.parse_835
    wrapped = _probe(original)
    _current.clear()
    patched = [module]
    module.parse_835 = wrapped
    test_module = item.module
    if getattr(test_module, "parse_835", None) is original:
        test_module.parse_835 = wrapped
        patched.append(test_module)
    try:
        yield
    finally:
        for target in patched:
            target.parse_835 = original
        with open(os.environ["OXEDI_PROBE_OUT"], "a", encoding="utf-8") as out:
            out.write(
                json.dumps({"test": item.nodeid, "differences": _current.get("differences", [])}) + "\n"
            )
