"""The seven credentialing rules in idiomatic Polars (see bench/baselines/__init__.py)."""

from __future__ import annotations

import calendar
import datetime as dt
import sys

import duckdb
import polars as pl

# SPEC 4 procedure-code classes: CPT I, CPT II, CPT III, PLA, HCPCS II.
CLASSES = (("CPT_I", r"^\d{5}$"), ("CPT_II", r"^\d{4}F$"), ("CPT_III", r"^\d{4}T$"), ("PLA", r"^\d{4}U$"),
           ("HCPCS_II", r"^[A-Z]\d{4}$"))  # fmt: skip


def code_class(column: pl.Expr) -> pl.Expr:
    expr = pl.lit(None, dtype=pl.String)
    for name, pattern in reversed(CLASSES):
        expr = pl.when(column.str.contains(pattern)).then(pl.lit(name)).otherwise(expr)
    return expr


def main(db: str, month: str, out: str) -> None:
    year, number = map(int, month.split("-"))
    start = dt.date(year, number, 1)
    end = dt.date(year, number, calendar.monthrange(year, number)[1])
    con = duckdb.connect(db, read_only=True)

    def read(sql: str, params: list | None = None) -> pl.DataFrame:
        return con.sql(sql, params=params).pl()

    lines = read(
        "SELECT claim_id, line_no, rendering_npi, payer_id, date_of_service, procedure_code, pos, service_state "
        "FROM claim_lines WHERE date_of_service BETWEEN ? AND ?",
        [start, end],
    )
    providers = read("SELECT DISTINCT trim(npi) AS npi FROM providers")
    enrollments = read("SELECT * FROM enrollments")
    scope = read("SELECT * FROM service_scope")
    licences = read("SELECT * FROM credentials WHERE credential_type = 'state_license'")
    con.close()

    lines = lines.with_columns(
        pl.col("rendering_npi").str.strip_chars().alias("npi"),
        pl.col("payer_id").str.strip_chars(),
        pl.col("procedure_code").str.strip_chars().str.to_uppercase().alias("code"),
        pl.col("pos").str.strip_chars().str.zfill(2),
        pl.col("service_state").str.strip_chars().str.to_uppercase().replace("", None),
    )
    known = lines.join(providers, on="npi", how="semi")
    key = ["claim_id", "line_no"]

    # Enrollment findings, first that applies; POS_NOT_ENROLLED among the covering rows.
    enrollments = enrollments.with_columns(
        pl.col("npi").str.strip_chars(), pl.col("payer_id").str.strip_chars(),
        pl.col("allowed_pos").fill_null("").str.replace_all(" ", ""),
    )  # fmt: skip
    active = pl.col("status").is_in(["enrolled", "terminated"])
    per_line = (
        known.join(enrollments, on=["npi", "payer_id"], how="left")
        .with_columns(
            covers=active
            & (pl.col("effective_date") <= pl.col("date_of_service"))
            & (
                pl.col("termination_date").is_null()
                | (pl.col("date_of_service") <= pl.col("termination_date"))
            ),
        )
        .with_columns(
            pos_ok=pl.col("covers")
            & (
                (pl.col("allowed_pos") == "")
                | pl.col("allowed_pos").str.split(",").list.contains(pl.col("pos"))
            )
        )
        .group_by(key)
        .agg(
            has_rows=pl.col("status").is_not_null().any(),
            covered=pl.col("covers").any(),
            pos_ok=pl.col("pos_ok").any(),
            pos=pl.col("pos").first(),
            terminated=(active & (pl.col("termination_date") < pl.col("date_of_service"))).any(),
            not_effective=(active & (pl.col("effective_date") > pl.col("date_of_service"))).any(),
            unapproved=pl.col("status").is_in(["pending", "denied"]).any(),
        )
    )
    enrollment = per_line.select(
        *key,
        rule_id=pl.when(~pl.col("has_rows")).then(pl.lit("NOT_ENROLLED"))
        .when(pl.col("covered")).then(None)
        .when(pl.col("terminated")).then(pl.lit("AFTER_TERMINATION"))
        .when(pl.col("not_effective")).then(pl.lit("BEFORE_EFFECTIVE"))
        .when(pl.col("unapproved")).then(pl.lit("ENROLLMENT_NOT_APPROVED")),
    ).drop_nulls("rule_id")  # fmt: skip
    pos = per_line.filter(pl.col("covered") & pl.col("pos").is_not_null() & ~pl.col("pos_ok")).select(
        *key, rule_id=pl.lit("POS_NOT_ENROLLED")
    )

    # OUT_OF_SCOPE: the payer's and '*' rows united, exclusion wins, a range holds codes of its class.
    scope = scope.with_columns(
        pl.col("npi").str.strip_chars(), pl.col("payer_id").str.strip_chars(),
        pl.col("code_from").str.strip_chars().str.to_uppercase(), pl.col("code_to").str.strip_chars().str.to_uppercase(),
    ).with_columns(range_class=pl.when(code_class(pl.col("code_from")) == code_class(pl.col("code_to")))
                   .then(code_class(pl.col("code_from"))))  # fmt: skip
    coded = known.with_columns(code_class=code_class(pl.col("code"))).filter(
        pl.col("code_class").is_not_null()
    )
    judged = (
        coded.join(scope.rename({"payer_id": "scope_payer"}), on="npi", how="inner")
        .filter((pl.col("scope_payer") == pl.col("payer_id")) | (pl.col("scope_payer") == "*"))
        .with_columns(
            inside=(pl.col("range_class") == pl.col("code_class"))
            & pl.col("code").is_between(pl.col("code_from"), pl.col("code_to"))
        )
        .group_by(key)
        .agg(
            has_approved=pl.col("approved").any(),
            in_approved=(pl.col("approved") & pl.col("inside")).any(),
            in_excluded=(~pl.col("approved") & pl.col("inside")).any(),
        )
    )
    scope_findings = judged.filter(
        pl.col("in_excluded") | (pl.col("has_approved") & ~pl.col("in_approved"))
    ).select(*key, rule_id=pl.lit("OUT_OF_SCOPE"))

    # LICENSE_INVALID: no state licence covers DOS in the service state (any state when it is empty).
    licences = licences.select(
        pl.col("npi").str.strip_chars(), pl.col("state").fill_null("").str.strip_chars().str.to_uppercase(),
        "issue_date", "expiration_date",
    )  # fmt: skip
    covered = (
        known.join(licences, on="npi", how="inner")
        .filter(
            (pl.col("issue_date").is_null() | (pl.col("issue_date") <= pl.col("date_of_service")))
            & (pl.col("expiration_date").is_null() | (pl.col("date_of_service") <= pl.col("expiration_date")))
            & (pl.col("service_state").is_null() | (pl.col("state") == pl.col("service_state")))
        )
        .select(key)
        .unique()
    )
    licence = known.join(covered, on=key, how="anti").select(*key, rule_id=pl.lit("LICENSE_INVALID"))

    pl.concat([enrollment, pos, scope_findings, licence]).select("rule_id", *key).write_parquet(out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
