"""`gate FILE --out-clean CLEAN --out-held HELD.csv`, `gate held`, `gate release --out FILE`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from audits.errors import InputError

VERBS = ("release", "held")


HELP = (
    "Pre-submission gate: hold the claims of an outgoing batch that would be denied, write the clean batch "
    "and a hold report; `gate held` lists the held claims, `gate release --out FILE` writes the ready ones."
)


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        metavar="FILE | release | held",
        help="the outgoing 837P batch (or claims CSV/xlsx) to check; `held` lists the held claims and which "
        "are ready to release; `release` writes the ready ones as a new batch",
    )
    parser.add_argument(
        "--out-clean", metavar="CLEAN", help="where to write the batch without the held claims"
    )
    parser.add_argument("--out-held", metavar="HELD", help="where to write the hold report (.csv or .xlsx)")
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="with `release`: the new batch (.csv / .xlsx for claims held from such exports, else an 837P); "
        "with `held`: the list as .csv/.xlsx",
    )
    parser.add_argument("--claims", metavar="ID,...", help="with `release`: only these held ids")
    parser.add_argument(
        "--by", metavar="NAME", help="who is doing it (kept with the run; default: your login)"
    )


def _progress(fraction: float, message: str) -> None:
    print(f"  [{fraction:5.0%}] {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from audits.store import connect

    if args.target in VERBS and not Path(args.target).exists():
        return _release(args) if args.target == "release" else _held(args)
    if not args.out_clean or not args.out_held:
        raise InputError(
            "gate needs --out-clean and --out-held - e.g. gate batch.837 --out-clean clean.837 --out-held held.csv."
        )
    from audits.gate import gate_file

    with connect(args.db) as con:
        result = gate_file(
            con, args.target, args.out_clean, args.out_held, checked_by=args.by, progress=_progress
        )
    print(result.summary())
    for problem in result.input_problems[:5]:
        print(f"  note: {problem}")
    if result.clean_path is not None:
        print(f"Clean batch: {result.clean_path} ({len(result.clean):,} claims).")
    else:
        print("Every claim was held: no clean batch was written.")
    print(f"Hold report: {args.out_held}.")
    for claim in result.held[:10]:
        print(f"- {claim.claim_id} (held {claim.held_id}): {claim.reason_words}")
    if len(result.held) > 10:
        print(f"  ... and {len(result.held) - 10:,} more in the hold report.")
    if result.superseded:
        print(f"{result.superseded:,} earlier held claims were replaced by claims of this batch.")
    return 0


def _held(args: argparse.Namespace) -> int:
    from audits.gate import write_table
    from audits.held_claims import held_list
    from audits.store import connect

    with connect(args.db, read_only=True) as con:
        held = held_list(con)
    ready = int(held["ready"].sum()) if len(held) else 0
    print(f"{len(held):,} claims held; {ready:,} ready to release.")
    for row in held.head(20).itertuples():
        state = "READY" if row.ready else "held"
        why = "" if row.ready else f": {row.still_blocking}"
        print(f"- {row.held_id}\t{state}\t{row.claim_id}\t{row.batch}{why}")
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise InputError(f"{out.name}: the list must be written as .csv or .xlsx.")
        write_table(held, out)
        print(f"Written to {out}.")
    return 0


def _release(args: argparse.Namespace) -> int:
    from audits.held_claims import release
    from audits.store import connect

    if not args.out:
        raise InputError("gate release needs --out - e.g. gate release --out released.837.")
    ids = None
    if args.claims:
        try:
            ids = [int(part) for part in args.claims.replace(" ", "").split(",") if part]
        except ValueError:
            raise InputError("--claims takes held ids separated by commas - e.g. --claims 12,15.") from None
    with connect(args.db) as con:
        result = release(con, args.out, released_by=args.by, held_ids=ids)
    print(result.summary())
    if result.waiting:
        print(
            f"{result.waiting:,} other ready claims came from CSV/xlsx or 837P batches: release them to such a file."
        )
    return 0
