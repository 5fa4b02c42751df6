"""`users add|remove|reset|list`: who may sign in to the dashboard (AUTH_MODE password or oidc), and as what."""

from __future__ import annotations

import argparse
import getpass
import sys

from audits.errors import InputError

HELP = "Manage the users who may sign in (AUTH_MODE password or oidc) and their roles."


def arguments(parser: argparse.ArgumentParser) -> None:
    from audits.cli import lazy_choices

    sub = parser.add_subparsers(dest="users_command", required=True, metavar="SUBCOMMAND")
    add = sub.add_parser("add", help="add a user with a role (asks for the password)")
    add.add_argument("name", help="user name (the e-mail address for oidc sign-in)")
    add.add_argument("--role", required=True, choices=lazy_choices("audits.access", "ROLES"))
    add.add_argument("--os-user", metavar="ACCOUNT", help="the OS account the CLI maps to this user")
    add.add_argument("--oidc", action="store_true", help="no password: the user signs in through oidc only")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    remove = sub.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    reset = sub.add_parser("reset", help="set a new password (asks for it)")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    listing = sub.add_parser("list", help="list the users, their roles and OS accounts")
    for each in (add, remove, reset, listing):  # `users add NAME ... --db F --as U` reads naturally too
        each.add_argument(
            "--db", metavar="PATH", default=argparse.SUPPRESS, help="database file (the audit trail)"
        )
        each.add_argument(
            "--as", dest="as_user", metavar="USER", default=argparse.SUPPRESS, help="act as this admin"
        )


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InputError("No terminal to ask the password on - pipe it in with --password-stdin.")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise InputError("The two passwords differ - nothing was changed.")
    return first


def _record(args: argparse.Namespace, action: str, what: str) -> None:
    from audits import audit_log
    from audits.store import connect

    with connect(args.db) as con:
        audit_log.record(con, action, what)


def run(args: argparse.Namespace) -> int:
    from audits import users

    if args.users_command == "list":
        found = sorted(users.load().values(), key=lambda u: u.name)
        if not found:
            print(f"No users in {users.users_file()}.")
        for user in found:
            how = "password" if user.password_hash else "oidc"
            print(f"{user.name}\t{user.role}\t{how}\t{user.os_user or ''}")
        return 0
    if args.users_command == "add":
        password = None if args.oidc else _password(args)
        user = users.add(args.name, args.role, password, args.os_user)
        _record(args, "user added", f"{user.name} ({user.role})")
        print(f"Added {user.name} as {user.role} to {users.users_file()}.")
    elif args.users_command == "remove":
        user = users.remove(args.name)
        _record(args, "user removed", user.name)
        print(f"Removed {user.name}.")
    else:
        user = users.reset(args.name, _password(args))
        _record(args, "password reset", user.name)
        print(f"The password of {user.name} is reset.")
    return 0
