"""The words of values and of a sheet's layout, as data (SPEC 4 "Labels are normalised"; issue 9 "one
vocabulary for every kind, kept as data"): status labels (enrollment, scope, provider, claim status),
adjustment group words, and the words of a sheet's layout (total and title rows, a wide tracker's
provider columns and sub-headers). They are the `[labels]` and `[sheet_words]` sections of the
vocabulary files (vocabulary/words.toml, then a practice's extension on top, docs/RECOGNITION.md);
recognise.load_vocabulary builds one Labels from them.

normalize.py, claims.py and the roster sheets read the Labels in force: `current()` (the vocabulary in
force, re-read when the practice's file changes) once per column or sheet, `active()` on a per-cell
path (the Labels the last vocabulary() call or reading put in force).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audits.errors import InputError

ENROLLMENT_STATUSES = ("enrolled", "pending", "denied", "terminated", "none")
SCOPE_VALUES = {"approved": True, "excluded": False}
PROVIDER_STATUSES = ("active", "inactive")
CLAIM_STATUSES = ("paid", "denied", "reversed")
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")
CREDENTIAL_TYPES = ("dea", "state_license", "board_certification", "malpractice")  # else "other"
_SHEET_LISTS = ("total_rows", "title_rows", "subheaders", "credential_fields", "provider_groups",
                "not_payer_prefix", "any_pos")  # fmt: skip
_TRACKER_TABLES = ("tracker_provider", "tracker_enrollment")


def label_key(text: str) -> str:
    """A label as compared: lower case, letters and digits, one space between words ('In-Network' ->
    'in network')."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


_CASE_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def header_key(text: str) -> str:
    """A header as compared: 'Claim #' -> 'claim no', 'CPT/HCPCS' -> 'cpt hcpcs'; a camelCase or
    PascalCase header is split at its case changes ('aetnaEffDate' -> 'aetna eff date', 'NPINumber' ->
    'npi number'), as an UPPER_SNAKE one is at its underscores."""
    if not text.isupper() and not text.islower():
        text = _CASE_BOUNDARY.sub(" ", text)
    text = text.replace("#", " no ").replace("&", " and ")
    return " ".join(re.sub(r"[^0-9a-zA-Z]+", " ", text).lower().split())


def group_key(text: str) -> str:
    """The letters of a group code's words, upper case ('Contractual Obligation' -> 'CONTRACTUALOBLIGATION')."""
    return re.sub(r"[^A-Z]", "", text.upper())


@dataclass(eq=False)
class Labels:
    enrollment: dict[str, str]  # label key -> enrolled | pending | denied | terminated | none
    pending_prefixes: tuple[str, ...]
    scope: dict[str, bool]  # label key -> approved (True) or excluded (False)
    provider: dict[str, str]  # label key -> active | inactive
    claim: dict[str, str]  # label key -> paid | denied | reversed
    group: dict[str, str]  # group_key -> CO | PR | OA | PI | CR
    sheet: dict[str, frozenset[str]]  # sheet_words list -> header keys
    tracker: dict[str, dict[str, frozenset[str]]]  # tracker_provider / tracker_enrollment -> column -> keys
    credential: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (type, its words), in the order checked
    payer_words: re.Pattern = re.compile(r"(?!)")  # a word that makes a name a payer's
    total_row: re.Pattern = re.compile(r"(?!)")
    title_row: re.Pattern = re.compile(r"(?!)")
    total_initials: str = ""  # first letters (both cases) of the total words: a quick test before the pattern
    _status: dict = field(default_factory=dict, repr=False)

    @property
    def total_terms(self) -> tuple[str, ...]:
        """Words one of which every total row's first cell contains (a cheap superset test, e.g. in SQL):
        each total phrase's last word, letters and digits only."""
        last = {re.sub(r"[^a-z0-9]", "", w.split()[-1]) for w in self.sheet["total_rows"] if w.split()}
        last.discard("")
        return tuple(sorted(t for t in last if not any(o != t and o in t for o in last)))

    def credential_type(self, key: str) -> str | None:
        """The credential type a label key says (a short word as a whole word, a longer one anywhere),
        'other' when none, None for a blank label."""
        if not key:
            return None
        words = key.split()
        for kind, listed in self.credential:
            for word in listed:
                if (word in words) if len(word) <= 3 else (word in key):
                    return kind
        return "other"

    def enrollment_status(self, key: str) -> str | None:
        """The enrollment status a label key means, 'none' for no application, None when unknown."""
        if not key:
            return None
        found = self.enrollment.get(key)
        if found is not None:
            return found
        if key.startswith(self.pending_prefixes):
            return "pending"
        return self._agreeing(key.split())

    def _agreeing(self, words: list[str]) -> str | None:
        """'approved active' ('Approved/Active'), 'termed inactive' ('Termed (Inactive)'): a label made
        only of known labels that all mean the same status means that status; one unknown word ('no longer
        participating', 'participating closed panel') or two meanings leave it unknown."""
        if len(words) < 2:
            return None
        meanings: set[str] = set()
        start = 0
        while start < len(words):
            end = next(
                (e for e in range(len(words), start, -1) if " ".join(words[start:e]) in self.enrollment), None
            )
            if end is None:
                return None
            meanings.add(self.enrollment[" ".join(words[start:end])])
            start = end
        return meanings.pop() if len(meanings) == 1 and "none" not in meanings else None

    def is_status_word(self, key: str) -> bool:
        """A status word of any kind (claim, enrollment - not 'none' -, provider, scope): a value that
        states, never one that identifies."""
        found = self._status.get(key)
        if found is None:
            if len(self._status) > 100_000:
                self._status.clear()
            status = self.enrollment_status(key)
            found = self._status[key] = bool(
                key in self.claim
                or (status is not None and status != "none")
                or key in self.provider
                or key in self.scope
            )
        return found


def _meanings(section: object, allowed, where: str, what: str) -> dict[str, list[str]]:
    if not isinstance(section, dict):
        raise InputError(
            f"{where}: [{what}] must be a table of meaning = [labels] - fix the vocabulary file."
        )
    out = {}
    for meaning, words in section.items():
        if meaning not in allowed:
            raise InputError(
                f"{where}: [{what}] lists labels for {meaning!r}, which is not one of {', '.join(allowed)} - "
                "fix the vocabulary file."
            )
        if not isinstance(words, list) or not all(isinstance(w, (str, int)) for w in words):
            raise InputError(
                f"{where}: [{what}] {meaning} must be a list of labels - fix the vocabulary file."
            )
        out[str(meaning)] = [str(w) for w in words]
    return out


def _words_pattern(words: set[str], *, plural: bool, anchored: bool) -> re.Pattern:
    if not words:
        return re.compile(r"(?!)")
    parts = sorted(
        (r"\s*".join(re.escape(w) for w in phrase.split()) for phrase in words), key=len, reverse=True
    )
    body = "(?:" + "|".join(parts) + ")" + ("s?" if plural else "")
    return re.compile((r"^\s*" if anchored else r"\b") + body + r"\b", re.IGNORECASE)


def build(files: list[tuple[str, dict]]) -> Labels:
    """One Labels from the [labels] and [sheet_words] sections of each (file name, TOML data), in order:
    a later file adds words, and a label it lists again takes the later meaning. InputError (one
    sentence) for a section the loader cannot read."""
    enrollment: dict[str, str] = {}
    prefixes: list[str] = []
    scope: dict[str, bool] = {}
    provider: dict[str, str] = {}
    claim: dict[str, str] = {}
    group: dict[str, str] = {}
    sheet: dict[str, set[str]] = {name: set() for name in _SHEET_LISTS}
    tracker: dict[str, dict[str, set[str]]] = {name: {} for name in _TRACKER_TABLES}
    credential: dict[str, list[str]] = {}
    payer_words: set[str] = set()
    for where, data in files:
        labels = data.get("labels", {})
        for meaning, words in _meanings(labels.get("enrollment_status", {}), ENROLLMENT_STATUSES, where,
                                        "labels.enrollment_status").items():  # fmt: skip
            enrollment.update({label_key(w): meaning for w in words})
        for _meaning, words in _meanings(labels.get("enrollment_status_prefixes", {}), ("pending",), where,
                                         "labels.enrollment_status_prefixes").items():  # fmt: skip
            prefixes += [label_key(w) for w in words if label_key(w)]
        for meaning, words in _meanings(labels.get("scope_approved", {}), tuple(SCOPE_VALUES), where,
                                        "labels.scope_approved").items():  # fmt: skip
            scope.update({label_key(w): SCOPE_VALUES[meaning] for w in words})
        for meaning, words in _meanings(labels.get("provider_status", {}), PROVIDER_STATUSES, where,
                                        "labels.provider_status").items():  # fmt: skip
            provider.update({label_key(w): meaning for w in words})
        for meaning, words in _meanings(labels.get("claim_status", {}), CLAIM_STATUSES, where,
                                        "labels.claim_status").items():  # fmt: skip
            claim.update({label_key(w): meaning for w in words})
        for meaning, words in _meanings(labels.get("group_code", {}), GROUP_CODES, where,
                                        "labels.group_code").items():  # fmt: skip
            group.update({group_key(w): meaning for w in words if group_key(w)})
        for meaning, words in _meanings(labels.get("credential_type", {}), CREDENTIAL_TYPES, where,
                                        "labels.credential_type").items():  # fmt: skip
            credential.setdefault(meaning, []).extend(label_key(w) for w in words if label_key(w))
        words_of_sheets = data.get("sheet_words", {})
        listed = words_of_sheets.get("payer_name_words", {}).get("words", [])
        if not isinstance(listed, list):
            raise InputError(
                f"{where}: [sheet_words.payer_name_words] words must be a list - fix the vocabulary file."
            )
        payer_words |= {label_key(str(w)) for w in listed if label_key(str(w))}
        for name in _SHEET_LISTS:
            listed = words_of_sheets.get(name, [])
            if not isinstance(listed, list):
                raise InputError(
                    f"{where}: [sheet_words] {name} must be a list of words - fix the vocabulary file."
                )
            sheet[name] |= {w if w == "*" else header_key(str(w)) for w in listed}
        for name in _TRACKER_TABLES:
            for column, listed in _meanings(words_of_sheets.get(name, {}), _tracker_columns(name), where,
                                            f"sheet_words.{name}").items():  # fmt: skip
                tracker[name].setdefault(column, set()).update(header_key(w) for w in listed)
    return Labels(
        enrollment,
        tuple(dict.fromkeys(prefixes)),
        scope,
        provider,
        claim,
        group,
        {name: frozenset(words) for name, words in sheet.items()},
        {name: {c: frozenset(w) for c, w in columns.items()} for name, columns in tracker.items()},
        credential=tuple(
            (kind, tuple(dict.fromkeys(credential[kind]))) for kind in CREDENTIAL_TYPES if kind in credential
        ),
        payer_words=_words_pattern(payer_words, plural=False, anchored=False),
        total_row=_words_pattern(sheet["total_rows"], plural=True, anchored=True),
        title_row=_words_pattern(sheet["title_rows"], plural=False, anchored=False),
        total_initials="".join(
            sorted({c for w in sheet["total_rows"] if w for c in (w[0].lower(), w[0].upper())})
        ),
    )


def _tracker_columns(name: str) -> tuple[str, ...]:
    if name == "tracker_provider":
        return ("npi", "provider_name", "first_name", "last_name", "specialty", "taxonomy_code",
                "primary_state", "hire_date", "status")  # fmt: skip
    return ("status", "submitted_date", "effective_date", "termination_date", "allowed_pos")


_ACTIVE: Labels | None = None


def activate(labels: Labels) -> None:
    """Put `labels` in force for the per-cell paths (`active()`); a change clears what was worked out
    from the ones before (the recogniser's cached value tests)."""
    global _ACTIVE
    if labels is not _ACTIVE:
        _ACTIVE = labels
        for clear in _ON_CHANGE:
            clear()


_ON_CHANGE: list = []  # callables run when other labels come into force


def active() -> Labels:
    """The Labels in force (loading the vocabulary in force when none is yet)."""
    return _ACTIVE if _ACTIVE is not None else current()


def current() -> Labels:
    """The Labels of the vocabulary in force (the shipped files and the practice's, re-read when it changes)."""
    from audits.ingest import recognise

    return recognise.vocabulary().labels
