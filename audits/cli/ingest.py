"""`ingest [--kind ...] [--mapping FILE] FILE...`: load files, one summary line per file.
`ingest --explain FILE...`: say how each file would be read (kind, runner-up, each column's mapping,
confidence and evidence, what is left unused), without loading anything."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from audits.cli import lazy_choices
from audits.config import db_path
from audits.errors import InputError

if TYPE_CHECKING:
    from audits.ingest.upload import UploadResult

HELP = "Load claims, remittance, credentialing, 835 or 837 files into the database."


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kind",
        choices=lazy_choices("audits.ingest.loader", "KINDS"),
        metavar="KIND",  # a metavar, so argparse lists the choices only in this command's help
        help="what the files are: %(choices)s (default: detected from their content)",
    )
    parser.add_argument(
        "--mapping",
        metavar="FILE",
        help='column mapping: a JSON file {canonical: header} or {"kind", "columns", "labels"}, '
        "or the name of a saved mapping profile",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="load nothing: print how each file and sheet would be read, with confidence and evidence",
    )
    parser.add_argument("--uploaded-by", metavar="NAME", help="who is loading (kept with the upload)")
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="claims, remittance, credentialing, 835 or 837 files"
    )


def _line(result: UploadResult) -> str:
    return (
        f"{result.file_name}\tkind={result.kind}\tread={result.rows_read}\tloaded={result.rows_loaded}\t"
        f"rejected={result.rows_rejected}\tduplicate={'yes' if result.status == 'duplicate' else 'no'}\t"
        f"status={result.outcome}"
    )


def print_result(result: UploadResult, indent: str = "") -> None:
    """One upload's summary line, its unknown payers, problems and warnings, and the held rows it let
    load again (each a new upload)."""
    print(indent + _line(result), flush=True)
    if result.unknown_payers:
        for name, suggestions in result.unknown_payers.items():
            close = ", ".join(f"{n} ({pid})" for pid, n, _s in suggestions) or "no close match"
            print(f"{indent}  unknown payer {name!r}: {close}", flush=True)
        print(
            f"{indent}  held: these rows load by themselves once their payer is known "
            "(python -m audits payers lists them; payers confirm NAME --as PAYER_ID)",
            flush=True,
        )
    for problem in result.problems[:10]:
        print(f"{indent}  problem: {problem}", flush=True)
    for warning in result.checks:
        print(f"{indent}  check: {warning}", flush=True)
    for warning in [w for w in result.warnings if w not in result.checks][:10]:
        print(f"{indent}  unsure: {warning}", flush=True)
    for again in result.reloaded:
        print(f"{indent}  loaded again (upload {again.upload_id}):", flush=True)
        print_result(again, indent + "    ")


def _progress(fraction: float, message: str) -> None:
    print(f"  [{fraction:5.0%}] {message}", file=sys.stderr, flush=True)


def _explain(args: argparse.Namespace) -> int:
    from audits.ingest.preview import explain, format_explanation
    from audits.store import connect

    target = db_path(args.db)
    if target.exists():
        with connect(target, read_only=True) as con:
            found = explain(args.files, con)
    else:
        found = explain(args.files)
    for item in found:
        for line in format_explanation(item):
            print(line, flush=True)
    return 0 if all(f.kind for f in found) else 1


def run(args: argparse.Namespace) -> int:
    """Each file is loaded whole or not at all, on its own: a file that cannot be loaded gets one
    `Error:` sentence on stderr and the others still load; the exit code is 1 if any file failed."""
    if args.explain:
        return _explain(args)

    from audits.ingest import ingest_file
    from audits.ingest.loader import KindNotRecognised, load_plan
    from audits.store import connect

    failed = 0
    with connect(db_path(args.db)) as con:
        for path, detected in load_plan(con, args.files, kind=args.kind, mapping=args.mapping):
            try:
                result = ingest_file(
                    con,
                    path,
                    kind=args.kind,
                    mapping=args.mapping,
                    uploaded_by=args.uploaded_by,
                    progress=_progress,
                    detected=detected,
                )
            except KindNotRecognised as exc:
                failed += 1
                print(
                    f"Error: {exc.file_name} is not recognised as a claims, remittance or credentialing export - "
                    "check its header row, or give --kind and a column mapping (--mapping FILE).",
                    file=sys.stderr,
                    flush=True,
                )
                continue
            except InputError as exc:
                failed += 1
                print(f"Error: {exc}", file=sys.stderr, flush=True)
                continue
            print_result(result)
    return 1 if failed else 0
