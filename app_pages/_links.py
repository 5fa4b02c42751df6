"""Links between the pages: a finding to its provider and to the clearance of that provider and payer,
a provider to the audit filtered to them, the trends page's tops to the audit.

A link is an `st.page_link` (or `st.switch_page`) with query parameters naming what to show by its codes
(npi, payer, code, rule, month, dos). The page it opens reads them once with `arrived`, seeds its widgets,
and takes them out of the address, so the user's own changes afterwards are not overridden.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

AUDIT = "app_pages/audit.py"
UPLOAD = "app_pages/upload.py"
PROVIDER = "app_pages/provider.py"
CLEARANCE = "app_pages/clearance.py"
TRENDS = "app_pages/trends.py"


def opens(page: str) -> bool:
    """May this session's role open `page` (a path above)? A link to a page it may not see is not drawn."""
    from app_pages import _identity as identity

    return identity.current().can("page", Path(page).stem)


def page(path: str, **kwargs) -> None:
    """st.page_link to one of the pages above, drawn only when the role may open it."""
    if opens(path):
        st.page_link(path, **kwargs)


def _params(**values) -> dict[str, str]:
    out = {}
    for name, value in values.items():
        if value is None or value == "" or (isinstance(value, float) and value != value):
            continue
        if isinstance(value, dt.datetime):
            value = value.date()
        out[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
    return out


def to_provider(npi: str, name: str | None = None, where=st) -> None:
    if not opens(PROVIDER):
        return
    where.page_link(
        PROVIDER,
        label=f"Provider profile of {name or npi}",
        icon=":material/badge:",
        query_params=_params(npi=npi),
    )


def to_clearance(npi: str, payer_id: str | None, dos, name: str | None, payer: str | None, where=st) -> None:
    if not opens(CLEARANCE):
        return
    who = name or npi
    what = f"Clearance of {who} with {payer}" if payer else f"Clearance of {who}"
    where.page_link(
        CLEARANCE,
        label=what + (f" on {_params(d=dos)['d']}" if dos is not None else ""),
        icon=":material/task_alt:",
        query_params=_params(npi=npi, payer=payer_id, dos=dos),
    )


def to_audit(label: str, month: str | None, where=st, **filters) -> None:
    """A link to the audit of a month, filtered (npi=, payer=, code=, rule=)."""
    if not opens(AUDIT):
        return
    where.page_link(
        AUDIT, label=label, icon=":material/fact_check:", query_params=_params(month=month, **filters)
    )


def switch_to_audit(month: str | None, **filters) -> None:
    if not opens(AUDIT):
        st.info("The monthly audit's findings are for analysts and practice managers.")
        return
    st.switch_page(AUDIT, query_params=_params(month=month, **filters))


def arrived(name: str) -> str | None:
    """The value a link brought for `name`, once: it is taken out of the address as it is read."""
    if name not in st.query_params:
        return None
    value = st.query_params.get(name)
    del st.query_params[name]
    return value or None


def arrived_date(name: str) -> dt.date | None:
    value = arrived(name)
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
