"""`python -m audits COMMAND ...`: the command-line edge of the core.

One module per command, named after it (`audits/cli/<command>.py`, a `-` in the name written `_`:
`export-parquet` lives in `export_parquet.py`), and one line per command in COMMANDS below, in the
order `--help` lists them. A command module parses and prints only; the work is in the core. It defines

    HELP = "One sentence, ending with a full stop."
    def arguments(parser: argparse.ArgumentParser) -> None: ...   # its options; --db is added for it
    def run(args: argparse.Namespace) -> int: ...                  # the exit code

A command with subcommands (`payers confirm`, `gate release`) adds them with
parser.add_subparsers() in its own arguments(). Each command opens the database for its own work
(audits.store.connect) and closes it. Errors of the core (ClearToBillError) become one line on
stderr, `Error: <what> - <how to fix>`, and exit code 1; never a traceback. The core never names a
flag: a command that knows which option fixes a problem words the fix itself.
tests/test_cli.py checks that every command has help and the --db option.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType

from audits.errors import ClearToBillError, NotADatabase, NotAudited

# The commands, in the order `python -m audits --help` lists them: add one line per new command.
COMMANDS = (
    "init",
    "demo",
    "ingest",
    "payers",
    "undo",
    "run",
    "check",
    "findings",
    "gate",
    "screening",
    "queue",
    "assign",
    "pack",
    "retro",
    "export-parquet",
)


class lazy_choices:  # noqa: N801 - used like a tuple of choices
    """argparse choices read from a core module only when a value is checked or the command's own
    help lists them: `python -m audits --help` imports no command's core (pandas, DuckDB), so it
    starts fast (bench_scale measures it; tests/test_cli_startup.py checks the imports)."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def _values(self) -> tuple:
        return tuple(getattr(importlib.import_module(self.module), self.name))

    def __contains__(self, value) -> bool:
        return value in self._values()

    def __iter__(self):
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


def command_module(name: str) -> ModuleType:
    """The module of a command: audits.cli.<name> (a '-' in the name is a '_' in the module name)."""
    return importlib.import_module(f"audits.cli.{name.replace('-', '_')}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m audits",
        description="ClearToBill: audit whether the providers who billed were credentialed for what they billed.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = command_module(name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        p.add_argument(
            "--db",
            metavar="PATH",
            help="database file (default: $CLEARTOBILL_DB, else data/cleartobill.duckdb)",
        )
        module.arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args._run(args) or 0
    except NotADatabase as exc:
        print(f"Error: {exc.what} - check --db PATH or CLEARTOBILL_DB.", file=sys.stderr)
        return 1
    except NotAudited as exc:
        print(
            f"Error: {exc.month} has not been audited yet - run `python -m audits run --month {exc.month}` first.",
            file=sys.stderr,
        )
        return 1
    except ClearToBillError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Error: interrupted - nothing was committed by the interrupted step.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
