"""ClearToBill core: ingest, audit rules, measures and reports.

Importable without Streamlit, so the CLI (`python -m audits`), the dashboard and
the notebooks share one implementation.
"""

__version__ = "0.1.0"
