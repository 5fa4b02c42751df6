"""Who may sign in, and as what (issue 14): the users file and the sign-in modes.

AUTH_MODE (environment) chooses how the dashboard knows who is there:
- `none` (the default): no sign-in. For local use only: the dashboard listens on 127.0.0.1 and says
  so in the sidebar; every page and action is open, and the CLI is unrestricted.
- `password`: users sign in with a name and password from the users file.
- `oidc`: users sign in with the organisation's identity provider (Streamlit's st.login); the users
  file maps each e-mail address to its role.

The users file ($CLEARTOBILL_USERS_FILE, default ~/.cleartobill/users.json, created 0600 in a 0700
folder) holds one entry per user: name, role, a bcrypt hash of the password (salted, slow; none for
oidc users) and optionally the OS account the CLI maps to that user. It is managed with
`python -m audits users add|remove|reset|list`.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from audits.access import ROLES
from audits.errors import InputError

MODES = ("none", "password", "oidc")
DEFAULT_FILE = Path.home() / ".cleartobill" / "users.json"
ROUNDS = 12  # bcrypt cost: about a quarter of a second per check
MIN_PASSWORD = 12
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further
DEFAULT_IDLE_MINUTES = 15


def auth_mode() -> str:
    mode = (os.environ.get("AUTH_MODE") or "none").strip().lower()
    if mode not in MODES:
        raise InputError(f"AUTH_MODE is {mode!r} - set it to one of {', '.join(MODES)}.")
    return mode


def idle_minutes() -> float:
    """Minutes of inactivity after which a dashboard session ends ($CLEARTOBILL_IDLE_MINUTES, default 15)."""
    raw = os.environ.get("CLEARTOBILL_IDLE_MINUTES")
    if not raw:
        return float(DEFAULT_IDLE_MINUTES)
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"CLEARTOBILL_IDLE_MINUTES is {raw!r} - give a number of minutes.") from None
    if value <= 0:
        raise InputError("CLEARTOBILL_IDLE_MINUTES must be more than 0 minutes.")
    return value


def users_file() -> Path:
    configured = os.environ.get("CLEARTOBILL_USERS_FILE")
    return Path(configured).expanduser() if configured else DEFAULT_FILE


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str | None = None
    os_user: str | None = None

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "role": self.role,
            "password_hash": self.password_hash,
            "os_user": self.os_user,
        }


def load(path: Path | None = None) -> dict[str, User]:
    """The users by name (lower case); no file = no users."""
    path = path or users_file()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["users"]
        users = {}
        for entry in entries:
            user = User(entry["name"], entry["role"], entry.get("password_hash"), entry.get("os_user"))
            users[user.name.lower()] = user
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(f"The users file {path} cannot be read - restore it from backup.") from None
    return users


def save(users: dict[str, User], path: Path | None = None) -> None:
    """Write the users file whole (a temporary file made 0600, then renamed over the old one)."""
    path = path or users_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(
            {"users": [u.as_json() for u in sorted(users.values(), key=lambda u: u.name)]}, handle, indent=1
        )
    os.chmod(temp, 0o600)
    os.replace(temp, path)


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200 or any(c.isspace() for c in name):
        raise InputError(
            "A user name is one word (an e-mail address for oidc sign-in), at most 200 characters."
        )
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"There is no role {role!r} - choose one of {', '.join(ROLES)}.")
    return role


def hash_password(password: str) -> str:
    raw = (password or "").encode("utf-8")
    if len(password or "") < MIN_PASSWORD:
        raise InputError(f"The password is too short - use at least {MIN_PASSWORD} characters.")
    if len(raw) > MAX_PASSWORD_BYTES:
        raise InputError(f"The password is too long - use at most {MAX_PASSWORD_BYTES} bytes.")
    return bcrypt.hashpw(raw, bcrypt.gensalt(ROUNDS)).decode("ascii")


def add(name: str, role: str, password: str | None = None, os_user: str | None = None) -> User:
    """A new user; without a password the user can sign in through oidc only."""
    name, role = _check_name(name), _check_role(role)
    users = load()
    if name.lower() in users:
        raise InputError(f"There is already a user {name} - reset their password or remove them first.")
    user = User(name, role, hash_password(password) if password is not None else None, os_user or None)
    users[name.lower()] = user
    save(users)
    return user


def remove(name: str) -> User:
    users = load()
    user = users.pop((name or "").strip().lower(), None)
    if user is None:
        raise InputError(f"There is no user {name} - list the users to see their names.")
    save(users)
    return user


def reset(name: str, password: str) -> User:
    users = load()
    user = users.get((name or "").strip().lower())
    if user is None:
        raise InputError(f"There is no user {name} - list the users to see their names.")
    users[user.name.lower()] = User(user.name, user.role, hash_password(password), user.os_user)
    save(users)
    return users[user.name.lower()]


def find(name: str | None) -> User | None:
    if not name:
        return None
    return load().get(name.strip().lower())


def by_os_user(os_user: str) -> User | None:
    """The user the OS account `os_user` is mapped to in the users file (the CLI's identity)."""
    for user in load().values():
        if user.os_user and user.os_user == os_user:
            return user
    return None


_DUMMY = None


def verify(name: str, password: str) -> User | None:
    """The user, when `password` is theirs; None otherwise (an unknown name costs the same time)."""
    global _DUMMY
    user = find(name)
    raw = (password or "").encode("utf-8")[:MAX_PASSWORD_BYTES]
    if user is None or not user.password_hash:
        if _DUMMY is None:
            _DUMMY = bcrypt.hashpw(b"no such user", bcrypt.gensalt(ROUNDS))
        bcrypt.checkpw(raw, _DUMMY)
        return None
    try:
        ok = bcrypt.checkpw(raw, user.password_hash.encode("ascii"))
    except ValueError:  # a damaged hash in the file
        return None
    return user if ok else None


def has_admin() -> bool:
    return any(u.role == "admin" for u in load().values())
