"""Write the analyst notebooks from the cells below, without outputs.

    .venv/bin/python notebooks/build_notebooks.py

The .ipynb files are committed stripped (no outputs, execution_count None): edit the cells here
and rebuild, or edit the notebook in Jupyter and clear its outputs before committing
(tests/test_notebooks.py checks that). The notebooks import audits.* and never copy its SQL.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
import os
import sys
from pathlib import Path

# Run from notebooks/ or from the project root: make `audits` importable either way.
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "audits" / "__init__.py").exists())
sys.path.insert(0, str(ROOT))

import pandas as pd
import plotly.express as px

from audits.config import db_path
from audits.store import connect

DB = db_path()  # $CLEARTOBILL_DB, else data/cleartobill.duckdb
pd.set_option("display.max_columns", 30)
pd.set_option("display.width", 160)
print(f"Database: {DB}")
"""

MONTHLY_REVIEW = [
    new_markdown_cell(
        "# Monthly credentialing audit review\n\n"
        "What was misaligned in the latest audited service month: the measures and their change from the "
        "previous month, findings by rule, provider and payer, the 12-month trend, and the findings with the "
        "most dollars at risk with what to do about each.\n\n"
        "Reads the database named by `$CLEARTOBILL_DB` (read-only). Build one with "
        "`python -m audits demo` or load real files with `python -m audits ingest` and "
        "`python -m audits run --month YYYY-MM`."
    ),
    new_code_cell(
        SETUP + "\nfrom audits import findings as read_model\nfrom audits import measures, reports\n"
    ),
    new_markdown_cell(
        "## The month\nThe latest month with a finished audit run (set `MONTH` to review another)."
    ),
    new_code_cell(
        "with connect(DB, read_only=True) as con:\n"
        "    months = read_model.audited_months(con)\n"
        'assert months, "No audited month yet - run `python -m audits run --month YYYY-MM` first."\n'
        "MONTH = months[0]\n"
        'print(f"Reviewing {MONTH} ({len(months)} audited months available)")'
    ),
    new_markdown_cell("## Measures and month-over-month change"),
    new_code_cell(
        "with connect(DB, read_only=True) as con:\n"
        "    summary = measures.month_summary(con, MONTH)\n"
        'prev = summary.get("prev") or {}\n'
        'change = summary.get("change") or {}\n'
        "measure_table = pd.DataFrame(\n"
        "    [\n"
        '        {"measure": label, "this month": summary.get(key), "previous month": prev.get(key),\n'
        '         "change": change.get(key)}\n'
        "        for key, label in reports.SUMMARY_MEASURES\n"
        "    ]\n"
        ').set_index("measure")\n'
        "measure_table.round(3)"
    ),
    new_markdown_cell("## Findings by rule"),
    new_code_cell(
        "with connect(DB, read_only=True) as con:\n"
        '    by_rule = measures.breakdown(con, MONTH, "rule")\n'
        'by_rule = by_rule.sort_values("findings", ascending=False)\n'
        "fig = px.bar(\n"
        '    by_rule, x="findings", y="rule_id", color="severity", orientation="h",\n'
        '    hover_data=["amount_at_risk"], title=f"Findings by rule, {MONTH}",\n'
        ")\n"
        'fig.update_layout(yaxis={"categoryorder": "total ascending"})\n'
        "fig.show()\n"
        'by_rule[["rule_id", "severity", "findings", "amount_at_risk", "action"]]'
    ),
    new_markdown_cell("## Providers and payers\nWho carries the denied and preventable dollars this month."),
    new_code_cell(
        "with connect(DB, read_only=True) as con:\n"
        '    by_provider = measures.breakdown(con, MONTH, "provider")\n'
        '    by_payer = measures.breakdown(con, MONTH, "payer")\n'
        'top_providers = by_provider.sort_values("denied_dollars", ascending=False).head(15)\n'
        "fig = px.bar(\n"
        '    top_providers, x="provider_name", y=["denied_dollars", "preventable_dollars"], barmode="group",\n'
        '    title=f"Top providers by denied dollars, {MONTH}",\n'
        ")\n"
        "fig.show()\n"
        'top_providers[["provider_name", "lines", "billed", "denied_dollars", "preventable_dollars", '
        '"findings", "findings_per_1000"]]'
    ),
    new_code_cell(
        "fig = px.bar(\n"
        '    by_payer.sort_values("denied_dollars", ascending=False), x="payer_name",\n'
        '    y=["denied_dollars", "credentialing_denied_dollars"], barmode="group",\n'
        '    title=f"Denied and credentialing-related denied dollars by payer, {MONTH}",\n'
        ")\n"
        "fig.show()\n"
        'by_payer[["payer_name", "lines", "billed", "paid", "denied_dollars", "denial_rate_dollars", '
        '"credentialing_denied_dollars", "preventable_dollars"]]'
    ),
    new_markdown_cell("## Twelve-month trend"),
    new_code_cell(
        "with connect(DB, read_only=True) as con:\n"
        "    trend = measures.monthly_trend(con, MONTH, 12)\n"
        "fig = px.line(\n"
        '    trend, x="month", y=["denied_dollars", "preventable_dollars", "credentialing_denied_dollars"],\n'
        '    markers=True, title="Denied, preventable and credentialing-related dollars",\n'
        ")\n"
        "fig.show()\n"
        'fig = px.line(trend, x="month", y="denial_rate_dollars", markers=True, title="Denial rate (dollars)")\n'
        'fig.update_layout(yaxis_tickformat=".1%")\n'
        "fig.show()"
    ),
    new_markdown_cell(
        "## Top findings and what to do\nThe findings with the most dollars at risk. No patient identifiers "
        "are shown: the claim id leads back to the practice-management system."
    ),
    new_code_cell(
        "with connect(DB, read_only=True) as con:\n"
        '    findings = read_model.findings(con, MONTH, order="amount")\n'
        'columns = [c for c in ["severity", "rule_id", "claim_id", "line_no", "provider_name", "payer_name",\n'
        '                       "procedure_code", "date_of_service", "amount_at_risk", "detail", "action"]\n'
        "           if c in findings.columns]\n"
        "top = findings[columns].head(20)  # the largest amounts at risk first\n"
        'print(f"{len(findings):,} findings in {MONTH}")\n'
        "top"
    ),
    new_markdown_cell(
        "## Export\nThe CSV and the Excel workbook a manager forwards (also `python -m audits findings`)."
    ),
    new_code_cell(
        "import tempfile\n\n"
        'EXPORT_DIR = Path(os.environ.get("CLEARTOBILL_EXPORT_DIR") or tempfile.mkdtemp(prefix="cleartobill-"))\n'
        "EXPORT_DIR.mkdir(parents=True, exist_ok=True)\n"
        "with connect(DB, read_only=True) as con:\n"
        '    rows = reports.write_findings_csv(con, MONTH, EXPORT_DIR / f"findings_{MONTH}.csv")\n'
        '    reports.write_workbook(con, MONTH, EXPORT_DIR / f"audit_{MONTH}.xlsx")\n'
        'print(f"Wrote {rows:,} findings and the workbook to {EXPORT_DIR}")'
    ),
]

ONBOARDING_LAG = [
    new_markdown_cell(
        "# Onboarding lag\n\n"
        "How many days pass between a provider's hire date and the first date each payer makes them "
        "effective, where the time goes (the practice submitting, the payer approving), which payers are "
        "slowest, and what the wait cost: the lines rendered for a payer between hire and effective date, "
        "billed, paid and denied.\n\n"
        "Reads the database named by `$CLEARTOBILL_DB` (read-only). Definitions: `audits/onboarding.py`."
    ),
    new_code_cell(SETUP + "\nfrom audits import onboarding\n"),
    new_markdown_cell("## Provider-payer pairs"),
    new_code_cell(
        "with connect(DB, read_only=True) as con:\n"
        "    lag = onboarding.onboarding_lag(con)\n"
        'print(f"{len(lag):,} provider-payer pairs; "\n'
        "      f\"{lag['enrollment_status'].value_counts().to_dict()}\")\n"
        'lag.sort_values("gap_billed", ascending=False).head(15)[\n'
        '    ["provider_name", "specialty", "payer_name", "hire_date", "first_submitted_date",\n'
        '     "first_effective_date", "lag_days", "days_to_submit", "payer_days", "enrollment_status",\n'
        '     "gap_lines", "gap_billed", "gap_denied_dollars"]\n'
        "]"
    ),
    new_markdown_cell(
        "## Lag by payer\nOnly pairs whose effective date came after the hire date say how long onboarding "
        "took; enrollments that predate the hire are left out of the chart."
    ),
    new_code_cell(
        "by_payer = onboarding.lag_by_payer(lag)\n"
        'onboarded = lag[lag["lag_days"].notna() & (lag["lag_days"] >= 0)].copy()\n'
        'onboarded["lag_days"] = onboarded["lag_days"].astype(float)\n'
        "if len(onboarded):\n"
        "    fig = px.box(\n"
        '        onboarded, x="payer_name", y="lag_days", points="all",\n'
        '        title="Days from hire to first effective enrollment, by payer",\n'
        "    )\n"
        "    fig.show()\n"
        "by_payer"
    ),
    new_markdown_cell("## Lag by specialty"),
    new_code_cell("onboarding.lag_by_specialty(lag)"),
    new_markdown_cell("## What the gap cost, by service month"),
    new_code_cell(
        "with connect(DB, read_only=True) as con:\n"
        "    gap_months = onboarding.gap_cost_by_month(con)\n"
        "if len(gap_months):\n"
        "    fig = px.bar(\n"
        '        gap_months, x="month", y=["gap_billed", "gap_denied_dollars"], barmode="group",\n'
        '        title="Lines billed before the payer made the provider effective",\n'
        "    )\n"
        "    fig.show()\n"
        "gap_months"
    ),
    new_markdown_cell(
        "## Still waiting\nPairs with no effective enrollment yet, longest wait first: chase these applications."
    ),
    new_code_cell(
        'waiting = lag[lag["days_waiting"].notna()].sort_values("days_waiting", ascending=False)\n'
        'waiting[["provider_name", "payer_name", "enrollment_status", "hire_date", "first_submitted_date",\n'
        '         "days_waiting", "gap_lines", "gap_billed"]].head(20)'
    ),
]


def build(cells) -> nbformat.NotebookNode:
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:02d}"  # stable ids: a rebuild changes nothing when the cells did not
    nbformat.validate(notebook)
    return notebook


NOTEBOOKS = {
    "01_monthly_review.ipynb": MONTHLY_REVIEW,
    "02_onboarding_lag.ipynb": ONBOARDING_LAG,
}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), HERE / name)
        print(f"wrote notebooks/{name}")


if __name__ == "__main__":
    main()
