"""`screening`: the roster against the exclusion lists (OIG LEIE, SAM.gov) and the possible matches.

    screening                      the latest screening and the possible matches waiting for a decision
    screening run                  screen the current roster against every loaded list now (recorded)
    screening confirm MATCH_ID     a possible match is the provider (kept with who and when)
    screening dismiss MATCH_ID     a possible match is someone else
    screening history [--out F]    every screening: lists used (file, sha256, date), when, by whom, results

Lists are loaded with `ingest --kind exclusions FILE` (each load screens the roster too).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from audits.errors import InputError

HELP = (
    "Exclusion screening: show the latest screening and possible matches, screen the roster again (run), "
    "confirm or dismiss a possible match, or list every screening (history)."
)
VERBS = ("show", "run", "confirm", "dismiss", "history")


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("verb", nargs="?", default="show", choices=VERBS, help="what to do (default: show)")
    parser.add_argument(
        "match", nargs="?", metavar="MATCH_ID", help="with confirm/dismiss: the match id shown"
    )
    parser.add_argument("--note", help="with confirm/dismiss: why (kept with the decision)")
    parser.add_argument("--by", metavar="NAME", help="who decides or screens (default: your login)")
    parser.add_argument("--out", metavar="FILE", help="with history: write it as .csv or .xlsx")


def run(args: argparse.Namespace) -> int:
    from audits import exclusions
    from audits.store import connect

    if args.verb in ("confirm", "dismiss"):
        if not args.match:
            raise InputError(
                f"screening {args.verb} needs the match id - e.g. screening {args.verb} 1234567893-0a1b2c3d."
            )
        with connect(args.db) as con:
            done = exclusions.decide(
                con,
                args.match,
                "confirmed" if args.verb == "confirm" else "dismissed",
                decided_by=args.by,
                note=args.note,
            )
        print(f"Match {done['match_id']} {done['decision']} by {done['decided_by']}.")
        return 0
    if args.verb == "run":
        with connect(args.db) as con:
            result = exclusions.screen(con, screened_by=args.by)
        print(result.summary())
        return 0
    if args.verb == "history":
        with connect(args.db, read_only=True) as con:
            history = exclusions.screening_history(con)
        if history.empty:
            print("No screening yet: load the OIG LEIE or SAM.gov list with ingest --kind exclusions FILE.")
            return 0
        for row in history.itertuples():
            print(
                f"{row.screening_id}\t{row.screened_at:%Y-%m-%d %H:%M}\t{row.screened_by}\t{row.providers_checked} providers"
                f"\t{row.npi_matches} NPI / {row.possible_matches} possible / {row.confirmed_matches} confirmed"
                f"\t{row.lists}"
            )
        if args.out:
            _write(history, Path(args.out))
        return 0
    with connect(args.db, read_only=True) as con:
        history = exclusions.screening_history(con)
        found = exclusions.matches(con)
    if history.empty:
        print("No screening yet: load the OIG LEIE or SAM.gov list with ingest --kind exclusions FILE.")
        return 0
    latest = history.iloc[0]
    print(
        f"Latest screening {latest.screening_id} on {latest.screened_at:%Y-%m-%d %H:%M} by {latest.screened_by}: "
        f"{latest.providers_checked} providers against {latest.lists}."
    )
    if found.empty:
        print("No provider matched.")
    for row in found.itertuples():
        who = row.business_name or ", ".join(v for v in (row.list_name, row.list_first_name) if v)
        state = row.decision or (
            "EXCLUDED (NPI match)" if row.match_type == "npi" else "POSSIBLE MATCH - confirm or dismiss"
        )
        print(
            f"- {row.match_id}\t{row.provider_name} ({row.npi})\t{row.source} {who}, {row.list_state or '-'}, "
            f"excluded {row.excl_date:%Y-%m-%d} ({row.excl_type})\t{state}"
        )
    return 0


def _write(frame, out: Path) -> None:
    from audits.gate import write_table

    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"{out.name}: write the history as .csv or .xlsx.")
    write_table(frame, out)
    print(f"Written to {out}.")
