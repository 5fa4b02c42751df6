"""Our 835 parser against the Rust-backed `oxedi` package (#13), on the same files: the public 835
fixtures (tests/fixtures/x12) and a synthetic 50,000-claim 835 (bench_x12.synthetic_835).

For each file: whether oxedi reads it, CPU seconds (best of 3) of `parse_835` (ours, to canonical
frames) and of `oxedi.parse` with its tables materialised as Arrow, MB/s of each and their ratio;
and what each one carries that the audit needs: service lines, adjustments, remarks (RARCs from
LQ*HE, MOA, MIA) and line-level rendering NPIs (REF*HPI). The decision is in docs/X12.md.

`python -m bench.bench_oxedi [CLAIMS]`. oxedi is not a project dependency: without it installed the
bench says so and measures ours only.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from audits.ingest.x12_835 import parse_835
from bench.bench_x12 import synthetic_835

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "x12"


def _best(runs: int, func, *args) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        began = time.process_time()
        result = func(*args)
        best = min(best, time.process_time() - began)
    return best, result


def _oxedi(data: bytes):
    import oxedi
    import pyarrow as pa

    result = oxedi.parse(data)
    return result, {name: pa.table(result.tables[name]) for name in result.tables.keys()}


def _segments(data: bytes, tag: bytes) -> int:
    """How many segments of `tag` the file has (a rough count by terminator, enough for a table)."""
    text = data.replace(b"\r", b"").replace(b"\n", b"~")
    return sum(1 for segment in text.split(b"~") if segment.strip().startswith(tag + b"*"))


def main(argv: list[str] | None = None) -> list[str]:
    claims = int((argv or [50_000])[0]) if argv else 50_000
    files = [(path.name, path.read_bytes()) for path in sorted(FIXTURES.glob("835*"))]
    files.append((f"synthetic {claims:,}-claim 835", synthetic_835(claims)))
    try:
        import oxedi

        version = oxedi.__version__ if hasattr(oxedi, "__version__") else "installed"
    except ImportError:
        oxedi, version = None, None
    out = [
        "## X12 835: ours against oxedi (bench_oxedi)",
        "",
        f"oxedi {version or '(not installed: ours only)'}; CPU seconds, best of 3; MB/s of the file's bytes.",
        "",
        "| file | KB | ours s | ours MB/s | oxedi | oxedi s | oxedi MB/s | oxedi / ours speed | "
        "lines ours / oxedi | adjustments ours / oxedi | remarks ours / oxedi tables (LQ+MOA+MIA segments) | "
        "REF*HPI |",
        "|---|---:|---:|---:|---|---:|---:|---:|---|---|---|---:|",
    ]
    totals = {"ours": 0.0, "oxedi": 0.0, "bytes": 0}
    for name, data in files:
        runs = 3
        ours_s, parsed = _best(runs, parse_835, data, name)
        size = len(data) / 1e6
        remark_segments = _segments(data, b"LQ") + _segments(data, b"MOA") + _segments(data, b"MIA")
        row = f"| {name} | {len(data) / 1024:,.0f} | {ours_s:.4f} | {size / max(ours_s, 1e-6):.1f} |"
        if oxedi is None:
            out.append(row + " not installed | | | | | | | |")
            continue
        try:
            ox_s, (result, tables) = _best(runs, _oxedi, data)
        except Exception as exc:  # oxedi.ParseError: the file is refused
            out.append(row + f" **refused** ({type(exc).__name__}: {str(exc)[:60]}) | | | | "
                       f"{len(parsed.lines)} / - | {len(parsed.adjustments)} / - | {len(parsed.remarks)} / - | "
                       f"{_hpi(data)} |")  # fmt: skip
            continue
        totals["ours"] += ours_s
        totals["oxedi"] += ox_s
        totals["bytes"] += len(data)
        services = tables["services"].num_rows
        adjustments = tables["adjustments"].num_rows
        remark_tables = [n for n in tables if "remark" in n]
        remarks = sum(tables[n].num_rows for n in remark_tables) if remark_tables else 0
        out.append(
            row + f" read | {ox_s:.4f} | {size / max(ox_s, 1e-6):.1f} | {ours_s / max(ox_s, 1e-6):.1f}x | "
            f"{len(parsed.lines)} / {services} | {len(parsed.adjustments)} / {adjustments} | "
            f"{len(parsed.remarks)} / {remarks} ({remark_segments}) | {_hpi(data)} |"
        )
    if oxedi is not None and totals["oxedi"]:
        out += [
            "",
            f"- Files oxedi read: ours {totals['bytes'] / 1e6 / totals['ours']:.1f} MB/s, oxedi "
            f"{totals['bytes'] / 1e6 / totals['oxedi']:.1f} MB/s ({totals['ours'] / totals['oxedi']:.1f}x ours).",
            f"- oxedi's tables: {', '.join(sorted(tables))} (columns of services: "
            f"{', '.join(tables['services'].column_names)}).",
        ]
    if oxedi is not None:
        out += ["", *_probe_tests()]
    print("\n".join(out))
    return out


def _probe_tests() -> list[str]:
    """Our 835 tests with every input also given to oxedi (bench/oxedi_probe.py): which would fail."""
    import collections
    import json
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "probe.jsonl"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "bench.oxedi_probe",
             "tests/test_ingest_x12_835.py"],
            cwd=FIXTURES.parent.parent.parent, env={**os.environ, "OXEDI_PROBE_OUT": str(record)},
            capture_output=True, check=True,
        )  # fmt: skip
        rows = [json.loads(line) for line in record.read_text().splitlines()]
    differing = [row for row in rows if row["differences"]]
    reasons = collections.Counter(
        reason.split(":")[0].split(" (")[0] for row in differing for reason in set(row["differences"])
    )
    return [
        f"- Our 835 tests on oxedi's output: {len(rows) - len(differing)} of {len(rows)} test cases get the same "
        f"from oxedi's tables; {len(differing)} would fail "
        f"({'; '.join(f'{reason}: {count}' for reason, count in reasons.most_common())})."
    ]


def _hpi(data: bytes) -> int:
    text = data.replace(b"\r", b"").replace(b"\n", b"~")
    return sum(1 for segment in text.split(b"~") if segment.strip().startswith(b"REF*HPI"))


if __name__ == "__main__":
    main(sys.argv[1:])
