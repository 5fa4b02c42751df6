"""The seven credentialing rules in idiomatic vectorised pandas (see bench/baselines/__init__.py)."""

from __future__ import annotations

import calendar
import datetime as dt
import sys

import duckdb
import numpy as np
import pandas as pd

# SPEC 4 procedure-code classes: CPT I, CPT II, CPT III, PLA, HCPCS II.
CLASSES = {
    "CPT_I": r"\d{5}",
    "CPT_II": r"\d{4}F",
    "CPT_III": r"\d{4}T",
    "PLA": r"\d{4}U",
    "HCPCS_II": r"[A-Z]\d{4}",
}
KEY = ["claim_id", "line_no"]


def code_class(codes: pd.Series) -> pd.Series:
    conditions = [codes.str.fullmatch(pattern).fillna(False).to_numpy(bool) for pattern in CLASSES.values()]
    return pd.Series(np.select(conditions, list(CLASSES), default=""), index=codes.index).replace("", None)


def main(db: str, month: str, out: str) -> None:
    year, number = map(int, month.split("-"))
    start = dt.date(year, number, 1)
    end = dt.date(year, number, calendar.monthrange(year, number)[1])
    con = duckdb.connect(db, read_only=True)
    lines = con.execute(
        "SELECT claim_id, line_no, rendering_npi, payer_id, date_of_service, procedure_code, pos, service_state "
        "FROM claim_lines WHERE date_of_service BETWEEN ? AND ?",
        [start, end],
    ).df()
    providers = con.execute("SELECT DISTINCT trim(npi) AS npi FROM providers").df()
    enrollments = con.execute("SELECT * FROM enrollments").df()
    scope = con.execute("SELECT * FROM service_scope").df()
    licences = con.execute("SELECT * FROM credentials WHERE credential_type = 'state_license'").df()
    con.close()

    lines["npi"] = lines["rendering_npi"].str.strip()
    lines["payer_id"] = lines["payer_id"].str.strip()
    lines["code"] = lines["procedure_code"].str.strip().str.upper()
    lines["pos"] = lines["pos"].str.strip().str.zfill(2)
    lines["service_state"] = lines["service_state"].str.strip().str.upper().replace("", None)
    known = lines[lines["npi"].isin(providers["npi"])]

    # Enrollment findings, first that applies; POS_NOT_ENROLLED among the covering rows.
    enrollments["npi"] = enrollments["npi"].str.strip()
    enrollments["payer_id"] = enrollments["payer_id"].str.strip()
    enrollments["allowed_pos"] = enrollments["allowed_pos"].fillna("").str.replace(" ", "")
    rows = known[[*KEY, "npi", "payer_id", "date_of_service", "pos"]].merge(
        enrollments[["npi", "payer_id", "status", "effective_date", "termination_date", "allowed_pos"]],
        on=["npi", "payer_id"],
        how="left",
    )
    dos = rows["date_of_service"]
    active = rows["status"].isin(["enrolled", "terminated"])
    rows["has_row"] = rows["status"].notna()
    rows["covers"] = (
        active
        & (rows["effective_date"] <= dos)
        & (rows["termination_date"].isna() | (dos <= rows["termination_date"]))
    )
    rows["pos_ok"] = rows["covers"] & ((rows["allowed_pos"].fillna("") == "") | _listed(rows))
    rows["terminated"] = active & (rows["termination_date"] < dos)
    rows["not_effective"] = active & (rows["effective_date"] > dos)
    rows["unapproved"] = rows["status"].isin(["pending", "denied"])
    per_line = rows.groupby(KEY, sort=False).agg(
        has_rows=("has_row", "any"),
        covered=("covers", "any"),
        pos_ok=("pos_ok", "any"),
        pos=("pos", "first"),
        terminated=("terminated", "any"),
        not_effective=("not_effective", "any"),
        unapproved=("unapproved", "any"),
    )
    rule = np.select(
        [~per_line["has_rows"], per_line["covered"], per_line["terminated"], per_line["not_effective"],
         per_line["unapproved"]],
        ["NOT_ENROLLED", "", "AFTER_TERMINATION", "BEFORE_EFFECTIVE", "ENROLLMENT_NOT_APPROVED"],
        default="",
    )  # fmt: skip
    enrollment = per_line.assign(rule_id=rule).query("rule_id != ''").reset_index()[["rule_id", *KEY]]
    pos = per_line[per_line["covered"] & per_line["pos"].notna() & ~per_line["pos_ok"]].reset_index()[KEY]
    pos.insert(0, "rule_id", "POS_NOT_ENROLLED")

    # OUT_OF_SCOPE: the payer's and '*' rows united, exclusion wins, a range holds codes of its class.
    scope["npi"] = scope["npi"].str.strip()
    scope["scope_payer"] = scope["payer_id"].str.strip()
    scope["code_from"] = scope["code_from"].str.strip().str.upper()
    scope["code_to"] = scope["code_to"].str.strip().str.upper()
    from_class, to_class = code_class(scope["code_from"]), code_class(scope["code_to"])
    scope["range_class"] = from_class.where(from_class == to_class)
    coded = known.assign(code_class=code_class(known["code"])).dropna(subset=["code_class"])
    judged = coded[[*KEY, "npi", "payer_id", "code", "code_class"]].merge(
        scope[["npi", "scope_payer", "code_from", "code_to", "approved", "range_class"]], on="npi"
    )
    judged = judged[(judged["scope_payer"] == judged["payer_id"]) | (judged["scope_payer"] == "*")]
    inside = (
        (judged["range_class"] == judged["code_class"])
        & (judged["code"] >= judged["code_from"])
        & (judged["code"] <= judged["code_to"])
    )
    approved = judged["approved"].astype(bool)
    judged = judged.assign(
        in_approved=approved & inside, in_excluded=~approved & inside, has_approved=approved
    )
    per_code = judged.groupby(KEY, sort=False)[["has_approved", "in_approved", "in_excluded"]].any()
    outside = per_code["in_excluded"] | (per_code["has_approved"] & ~per_code["in_approved"])
    scope_findings = per_code[outside].reset_index()[KEY]
    scope_findings.insert(0, "rule_id", "OUT_OF_SCOPE")

    # LICENSE_INVALID: no state licence covers DOS in the service state (any state when it is empty).
    licences = licences.assign(
        npi=licences["npi"].str.strip(), state=licences["state"].fillna("").str.strip().str.upper()
    )[["npi", "state", "issue_date", "expiration_date"]]
    pairs = known[[*KEY, "npi", "date_of_service", "service_state"]].merge(licences, on="npi")
    dos = pairs["date_of_service"]
    covers = (
        (pairs["issue_date"].isna() | (pairs["issue_date"] <= dos))
        & (pairs["expiration_date"].isna() | (dos <= pairs["expiration_date"]))
        & (pairs["service_state"].isna() | (pairs["state"] == pairs["service_state"]))
    )
    covered = pd.MultiIndex.from_frame(pairs.loc[covers, KEY])
    unlicensed = known[~pd.MultiIndex.from_frame(known[KEY]).isin(covered)][KEY]
    unlicensed.insert(0, "rule_id", "LICENSE_INVALID")

    pd.concat([enrollment, pos, scope_findings, unlicensed], ignore_index=True).to_parquet(out, index=False)


def _listed(rows: pd.DataFrame) -> pd.Series:
    """Whether the line's POS is one of the row's comma-separated allowed POS codes (exploded, not applied)."""
    restricted = rows[rows["allowed_pos"].fillna("") != ""]
    codes = restricted["allowed_pos"].str.split(",").explode()
    hits = (codes == restricted.loc[codes.index, "pos"]).groupby(level=0).any()
    return hits.reindex(rows.index, fill_value=False).astype(bool)


if __name__ == "__main__":
    main(*sys.argv[1:4])
