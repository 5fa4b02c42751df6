"""Plain words for what the database keeps as codes: rule names and actions (from the rule headers),
credential types, statuses, payer `*`, claim status codes, upload kinds, root causes.

Every page shows values through these maps, so no page prints `state_license`, `4` or `*`. A value no map
knows is shown as it is (a practice's own label is already words); a code-like name with underscores is
turned into words rather than shown raw.
"""

from __future__ import annotations

import functools

import pandas as pd

ALL_PAYERS = "All payers"

SEVERITY = {"error": "Error", "warning": "Warning", "info": "Info"}
SEVERITY_MARK = {"error": "✖ Error", "warning": "▲ Warning", "info": "● Info"}  # a shape as well as a colour

CREDENTIAL_TYPE = {
    "state_license": "State licence",
    "board_certification": "Board certification",
    "dea": "DEA registration",
    "malpractice": "Malpractice insurance",
    "other": "Other credential",
}
ENROLLMENT_STATUS = {
    "enrolled": "Enrolled",
    "pending": "Pending",
    "denied": "Denied",
    "terminated": "Terminated",
}
PROVIDER_STATUS = {"active": "Active", "inactive": "Inactive"}
SCOPE = {"approved": "Approved", "excluded": "Excluded", True: "Approved", False: "Excluded"}
# The claim status of a remittance: an 835's CLP02 code (X12 5010 835, claim status codes) or the word an
# export used.
CLAIM_STATUS = {
    "1": "Paid as primary",
    "2": "Paid as secondary",
    "3": "Paid as tertiary",
    "4": "Denied",
    "19": "Paid as primary, forwarded",
    "20": "Paid as secondary, forwarded",
    "21": "Paid as tertiary, forwarded",
    "22": "Reversal of an earlier payment",
    "23": "Not our claim, forwarded",
    "25": "Pricing only, no payment",
    "paid": "Paid",
    "denied": "Denied",
    "reversed": "Reversed",
}
GROUP_CODE = {
    "CO": "Contractual obligation",
    "PR": "Patient responsibility",
    "OA": "Other adjustment",
    "PI": "Payer initiated reduction",
    "CR": "Correction and reversal",
}
LEVEL = {"claim": "Claim", "line": "Line"}
ROOT_CAUSE = {
    "credentialing": "Credentialing",
    "scope": "Scope of services",
    "coding": "Coding",
    "eligibility": "Eligibility",
    "authorization": "Authorization",
    "duplicate": "Duplicate",
    "timely_filing": "Timely filing",
    "other": "Other",
    "unknown": "Unknown reason code",
}
KIND = {
    "roster": "Credentialing workbook",
    "claims": "Claims export",
    "remits": "Remittance export",
    "835": "835 remittance (X12)",
    "837": "837P claims (X12)",
    "exclusions": "Exclusion list",
}
TABLE = {
    "providers": "Providers",
    "credentials": "Credentials",
    "enrollments": "Enrollments",
    "service_scope": "Approved services",
    "scope": "Approved services",
    "payers": "Payers",
    "tracker": "Wide tracker",
    "claim_lines": "Claim lines",
    "remit_lines": "Remittances",
}
CHANGE = {"added": "Added", "removed": "Removed", "changed": "Changed"}
UPLOAD_STATUS = {
    "loaded": "loaded",
    "loaded_held": "loaded with rows held",
    "held": "nothing loaded (held)",
    "failed": "failed",
    "duplicate": "duplicate",
    "undone": "undone",
}
CLEARANCE = {
    "cleared": "Cleared",
    "not yet effective": "Not yet effective",
    "terminated": "Terminated",
    "pending": "Pending",
    "denied": "Denied",
    "not enrolled": "Not enrolled",
}

_ACRONYMS = {"npi": "NPI", "pos": "POS", "dea": "DEA", "cpt": "CPT", "icd": "ICD", "id": "id", "dx": "Dx"}


def humanise(name: object) -> str:
    """`ENROLLMENT_NOT_APPROVED` / `denied_dollars` -> `Enrollment not approved` / `Denied dollars`."""
    parts = str(name).replace("-", "_").split("_")
    out = [_ACRONYMS.get(p.lower(), p.lower()) for p in parts if p]
    if out and out[0] not in _ACRONYMS.values():
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


def word(mapping: dict, value: object) -> object:
    """The plain word for a value, the value itself when the map does not know it, None for a blank."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    key = value.strip() if isinstance(value, str) else value
    if isinstance(key, str) and key.lower() in mapping:
        return mapping[key.lower()]
    return mapping.get(key, value)


def payer(value: object, names: dict | None = None) -> object:
    """A payer id in words: `*` is every payer, an id its name when known."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if str(value).strip() == "*":
        return ALL_PAYERS
    return (names or {}).get(value) or value


def claim_status(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return CLAIM_STATUS.get(text.lower(), text)


# ------------------------------------------------------------------------------------------- rules


@functools.cache
def _registry() -> dict:
    from audits.rules import all_rules

    return {rule.rule_id: rule for rule in all_rules()}


def rule_title(rule_id: object) -> str:
    """The rule's plain-words name: its header's `title`, else its id in words."""
    rule = _registry().get(str(rule_id))
    title = rule.title if rule is not None else None
    return title or humanise(rule_id)


def rule_action(rule_id: object) -> str:
    rule = _registry().get(str(rule_id))
    action = rule.action if rule is not None else None
    return action or "Review the finding's detail and correct the claim or the roster."


def rule_description(rule_id: object) -> str:
    rule = _registry().get(str(rule_id))
    return (rule.description if rule is not None else None) or rule_title(rule_id)


def looks_ahead(rule_id: object) -> bool:
    """A forward alert (money that may be lost in the coming months) rather than a finding on a line
    already billed: the header's `horizon: ahead` when it has one, else a provider-level rule whose amount
    is the provider's billing over the 90 days up to month end (SPEC 4: the forward-looking rules)."""
    rule = _registry().get(str(rule_id))
    if rule is None:
        return False
    if rule.horizon:
        return rule.horizon == "ahead"
    return rule.level == "provider" and rule.amount == "provider_billed_90d"
