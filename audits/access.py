"""Who may do what (issue 14): the one place that maps a role to the pages it sees, the actions it may
take and the downloads it may make, for the dashboard and the CLI alike.

- analyst: upload files, map columns, confirm payer aliases, restore roster snapshots, run the audit.
- manager: review the monthly audit, open findings, export, assign.
- coder: the clearance matrix and the pre-check (single and batch), the pre-submission gate.
- leadership: aggregates only - the denial trends page, whose tables and charts have no claim-line or
  patient-level column (tests/test_access.py checks every table they are shown).
- admin: users and the audit trail.

With AUTH_MODE none there is no sign-in and no role (role None): everything is open, for local use
only (the dashboard then listens on 127.0.0.1 alone). Edges ask `can(role, kind, name)`; a name
missing from these tables is allowed to no role, so a new page or action is closed until it is
listed here.
"""

from __future__ import annotations

ROLES = ("analyst", "manager", "coder", "leadership", "admin")

# page (the file name under app_pages/) -> roles that see it
PAGES: dict[str, frozenset[str]] = {
    "audit": frozenset({"analyst", "manager"}),
    "upload": frozenset({"analyst"}),
    "provider": frozenset({"analyst", "manager", "coder"}),
    "clearance": frozenset({"coder", "manager"}),
    "trends": frozenset({"analyst", "manager", "leadership"}),
    "admin": frozenset({"admin"}),
}

ACTIONS: dict[str, frozenset[str]] = {
    "upload": frozenset({"analyst"}),
    "map": frozenset({"analyst"}),  # change a mapping, save a mapping profile
    "confirm alias": frozenset({"analyst"}),
    "restore snapshot": frozenset({"analyst"}),
    "run audit": frozenset({"analyst"}),
    "undo": frozenset({"analyst"}),
    "finding detail": frozenset({"manager"}),
    "assign": frozenset({"manager"}),
    "review": frozenset({"manager"}),  # the work queue
    "retro billing": frozenset({"analyst", "manager"}),
    "pre-check": frozenset({"coder"}),
    "gate": frozenset({"coder"}),
    "screening": frozenset({"analyst", "manager"}),
    "manage users": frozenset({"admin"}),
    "view audit trail": frozenset({"admin"}),
    "demo": frozenset({"admin"}),  # (re)create or seed a database
}

DOWNLOADS: dict[str, frozenset[str]] = {
    "findings": frozenset({"manager"}),  # findings CSV, the audit workbook and the monthly pack
    "rejected rows": frozenset({"analyst"}),
    "pre-check results": frozenset({"coder"}),
    "hold report": frozenset({"coder"}),
    "claim batch": frozenset({"coder"}),  # the gate's clean batch and a release batch (patient data)
    "screening": frozenset({"analyst", "manager"}),
    "data": frozenset({"manager"}),  # the Parquet export of the tables
    "audit trail": frozenset({"admin"}),
}

KINDS = {"page": PAGES, "action": ACTIONS, "download": DOWNLOADS}

# CLI command -> (kind, name) it needs. "users" is handled by audits/cli/users.py (an admin, or anyone
# while the users file has no admin yet, so the first admin can be made).
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("action", "demo"),
    "demo": ("action", "demo"),
    "ingest": ("action", "upload"),
    "payers": ("action", "confirm alias"),
    "undo": ("action", "undo"),
    "run": ("action", "run audit"),
    "check": ("action", "pre-check"),
    "findings": ("download", "findings"),
    "gate": ("action", "gate"),
    "screening": ("action", "screening"),
    "queue": ("action", "review"),
    "assign": ("action", "assign"),
    "pack": ("download", "findings"),
    "retro": ("action", "retro billing"),
    "export-parquet": ("download", "data"),
    "audit-log": ("download", "audit trail"),
    "users": ("action", "manage users"),
}


def can(role: str | None, kind: str, name: str, *, restricted: bool = True) -> bool:
    """May `role` use the page / action / download `name`? Unrestricted (AUTH_MODE none): yes."""
    table = KINDS[kind]  # a KeyError here is a programming error
    if not restricted:
        return True
    return role is not None and role in table.get(name, frozenset())


def allowed(role: str | None, kind: str, *, restricted: bool = True) -> list[str]:
    """The names of that kind `role` may use, in table order."""
    return [name for name in KINDS[kind] if can(role, kind, name, restricted=restricted)]


def refusal(kind: str, name: str, role: str | None, label: str | None = None) -> str:
    """The sentence shown (or printed) when access is refused; `label` names the thing another way."""
    who = f"the {role} role" if role else "a user who is not signed in"
    what = {"page": "the page", "action": "the action", "download": "the download"}[kind]
    holders = sorted({r for r in KINDS[kind].get(name, frozenset())})
    fix = f"ask an admin for one of these roles: {', '.join(holders)}" if holders else "no role has it yet"
    return f"{label or what.capitalize() + ' ' + repr(name)} is not open to {who} - {fix}."
