"""Sections of the monthly audit page: the month's tiles, its charts and the findings filters."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _charts as charts
from app_pages import _format as fmt
from app_pages import _links as links
from app_pages import _words as words

PREVENTABLE_HELP = "Denied dollars on lines with a blocking finding: what a pre-submission check would stop."


def at_risk_split(by_rule: pd.DataFrame) -> tuple[float, float, int]:
    """(dollars at risk on the month's lines, dollars ahead in forward alerts, forward alerts)."""
    if by_rule.empty:
        return 0.0, 0.0, 0
    ahead = by_rule["rule_id"].map(words.looks_ahead).astype(bool)
    return (
        float(by_rule.loc[~ahead, "amount_at_risk"].sum()),
        float(by_rule.loc[ahead, "amount_at_risk"].sum()),
        int(by_rule.loc[ahead, "findings"].sum()),
    )


def tiles(summary: dict | None, by_rule: pd.DataFrame) -> None:
    past, ahead, alerts = at_risk_split(by_rule)
    first = st.columns(4)
    second = st.columns(4)
    if summary:
        change = summary.get("change") or {}
        first[0].metric("Claim lines", fmt.number(summary["lines"]), fmt.number_delta(change.get("lines")))
        first[1].metric("Billed", fmt.money(summary["billed"]), fmt.money_delta(change.get("billed")))
        first[2].metric(
            "Denied dollars",
            fmt.money(summary["denied_dollars"]),
            fmt.money_delta(change.get("denied_dollars")),
            delta_color="inverse",
        )
        first[3].metric(
            "Preventable dollars",
            fmt.money(summary["preventable_dollars"]),
            fmt.money_delta(change.get("preventable_dollars")),
            delta_color="inverse",
            help=PREVENTABLE_HELP,
        )
        second[0].metric(
            "Findings",
            fmt.number(summary["findings"]),
            fmt.number_delta(change.get("findings")),
            delta_color="inverse",
        )
    second[1].metric(
        "At risk on this month's lines",
        fmt.money(past),
        help="Billed (or, for a paid line with a credentialing finding, paid) dollars of the month's lines "
        "that carry a finding; a line with several findings counts once per finding.",
    )
    second[2].metric(
        "At risk ahead (forward alerts)",
        fmt.money(ahead),
        help="Expiring credentials, long-pending applications and ending enrollments: each counts the "
        "provider's billing over the last 90 days, the money at stake if nothing is done.",
    )
    second[3].metric("Forward alerts", fmt.number(alerts))


def rule_chart(by_rule: pd.DataFrame, where=st) -> None:
    table = by_rule.assign(rule_id=by_rule["rule_id"]).sort_values("findings", ascending=False)
    charts.figure(charts.findings_by_rule(by_rule), "Findings by rule", table, where=where)


def heatmap(matrix: pd.DataFrame, payer_names: dict, where=st) -> None:
    value = where.segmented_control(
        "Heatmap of", ["findings", "dollars at risk"], default="findings", key="heat_value"
    )
    column = "amount_at_risk" if value == "dollars at risk" else "findings"
    top = matrix.groupby("npi")[column].sum().nlargest(25).index
    chosen = matrix[matrix["npi"].isin(top)].copy()
    chosen["payer"] = chosen["payer_id"].map(lambda p: words.payer(p, payer_names))
    chosen["provider"] = chosen["provider_name"].where(chosen["provider_name"].notna(), chosen["npi"])
    grid = chosen.pivot_table(index="provider", columns="payer", values=column, aggfunc="sum", fill_value=0)
    order = grid.sum(axis=1).sort_values(ascending=False).index
    grid = grid.loc[order]
    table = grid.reset_index().rename(columns={"provider": "Provider"}).rename_axis(columns=None)
    charts.figure(
        charts.heatmap(grid, value or "findings", money=column == "amount_at_risk"),
        f"Misalignment by provider and payer (top {len(grid)} providers, {value or 'findings'})",
        table,
        where=where,
    )


def seed_from_link(options: dict[str, list]) -> None:
    """A link to the audit (from a provider, a finding or the trends page) sets the filters it names."""
    for param, key in (("npi", "filter_provider"), ("payer", "filter_payer"), ("rule", "filter_rule")):
        value = links.arrived(param)
        if value is not None:
            st.session_state[key] = [value] if value in options[key] else []
    code = links.arrived("code")
    if code is not None:
        st.session_state["filter_code"] = code


def filters(rules: list[str], providers: dict, payer_names: dict, payer_ids: list[str]) -> dict:
    options = {
        "filter_rule": rules,
        "filter_provider": sorted(providers, key=lambda n: str(providers[n])),
        "filter_payer": payer_ids,
    }
    seed_from_link(options)
    f1, f2, f3, f4, f5 = st.columns([2, 1, 2, 2, 1])
    pick_rules = f1.multiselect("Rule", rules, format_func=words.rule_title, key="filter_rule")
    pick_sev = f2.multiselect(
        "Severity", ["error", "warning", "info"], format_func=words.SEVERITY.get, key="filter_severity"
    )
    pick_npis = f3.multiselect(
        "Provider",
        options["filter_provider"],
        format_func=lambda n: f"{providers.get(n) or n} ({n})",
        key="filter_provider",
    )
    pick_payers = f4.multiselect(
        "Payer", payer_ids, format_func=lambda p: str(words.payer(p, payer_names)), key="filter_payer"
    )
    code = f5.text_input("Code starts with", key="filter_code")
    return {
        "rule_ids": pick_rules,
        "severities": pick_sev,
        "npis": pick_npis,
        "payer_ids": pick_payers,
        "code": code,
    }
