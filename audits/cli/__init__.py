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
    "users",
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
        if "--as" not in p._option_string_actions:  # (payers confirm uses --as for the payer it means)
            p.add_argument(
                "--as",
                dest="as_user",
                metavar="USER",
                help="act as this user of the users file (AUTH_MODE password/oidc; default: the user mapped "
                "to your OS account)",
            )
        p.set_defaults(_run=module.run, _command=name)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        refused = authorise(args)
        if refused:
            print(f"Error: {refused}", file=sys.stderr)
            return 1
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


def authorise(args: argparse.Namespace) -> str | None:
    """Who runs this command, and may they (audits/access.py)? Sets the audit trail's actor; returns the
    refusal (recorded as access denied when the database exists) or None. With AUTH_MODE none the CLI
    is unrestricted: the actor is --as USER, else the OS account, with no role."""
    import getpass
    import os

    from audits import access, audit_log, users

    mode = users.auth_mode()
    account = audit_log.os_user()
    as_user = getattr(args, "as_user", None)
    if mode == "none":
        audit_log.set_actor(as_user or account, None, "cli")
        return None
    if as_user:
        user = users.find(as_user)
        if user is None:
            return f"There is no user {as_user} in the users file - check the name with `users list`."
        mapped = users.by_os_user(account)
        if mapped is None or mapped.name != user.name:  # acting as someone else: prove it
            password = os.environ.get("CLEARTOBILL_PASSWORD")
            if password is None and sys.stdin.isatty():
                password = getpass.getpass(f"Password of {user.name}: ")
            if not password or users.verify(user.name, password) is None:
                audit_log.set_actor(as_user, None, "cli")
                _denied(args, "failed login", f"cli --as {user.name}")
                return (
                    f"--as {user.name} needs that user's password (asked on the terminal, or "
                    "$CLEARTOBILL_PASSWORD) unless your OS account is mapped to them (users add --os-user)."
                )
    else:
        user = users.by_os_user(account)
        if user is None:
            if args._command == "users" and not users.has_admin():
                audit_log.set_actor(account, None, "cli")
                return None  # the first admin is made by whoever holds the users file
            return (
                f"AUTH_MODE is {mode} and the OS account {account} is not mapped to a ClearToBill user - pass "
                "--as USER, or map the account with `users add NAME --role ROLE --os-user ACCOUNT`."
            )
    audit_log.set_actor(user.name, user.role, "cli")
    if args._command == "users" and not users.has_admin():
        return None
    kind, name = access.COMMANDS.get(args._command, ("action", args._command))
    if access.can(user.role, kind, name):
        return None
    _denied(args, "access denied", f"command {args._command}")
    return access.refusal(kind, name, user.role, label=f"The command {args._command}")


def _denied(args: argparse.Namespace, action: str, what: str) -> None:
    """Record a refusal in the database the command named, when it exists (a refusal creates nothing)."""
    from audits import audit_log
    from audits.config import db_path
    from audits.store import connect

    if db_path(args.db).exists():
        try:
            with connect(args.db) as con:
                audit_log.record(con, action, what)
        except ClearToBillError:
            pass  # a busy or foreign file: the refusal itself still stands


if __name__ == "__main__":
    sys.exit(main())
