"""`python -m audits COMMAND ...`: the command-line edge of the core.

Each command opens the database for its own work (audits.store.connect) and
closes it. Errors of the core (ClearToBillError) become one line on stderr,
`Error: <what> - <how to fix>`, and exit code 1; never a traceback.
Subcommands register themselves in COMMANDS: (name, help, add_arguments, run).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from audits.errors import ClearToBillError

# name -> (help, add_arguments(parser), run(args) -> exit code)
COMMANDS: dict[
    str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
] = {}


def command(name: str, help_text: str, add_arguments: Callable[[argparse.ArgumentParser], None]):
    """Register a subcommand: decorate its run(args) function."""

    def register(run: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = (help_text, add_arguments, run)
        return run

    return register


def _load_commands() -> None:
    # Each module registers its commands on import.
    from audits import cli_commands  # noqa: F401


def build_parser() -> argparse.ArgumentParser:
    _load_commands()
    parser = argparse.ArgumentParser(
        prog="python -m audits",
        description="ClearToBill: audit whether the providers who billed were credentialed for what they billed.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, add_arguments, _run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--db",
            metavar="PATH",
            help="database file (default: $CLEARTOBILL_DB, else data/cleartobill.duckdb)",
        )
        add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _help, _add, run = COMMANDS[args.command]
    try:
        return run(args) or 0
    except ClearToBillError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Error: interrupted - nothing was committed by the interrupted step.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
