"""Imports the modules that register CLI subcommands (each owns its own)."""

import importlib

# Each module below defines its commands with audits.cli.command. A module that
# is not there yet is skipped, so the CLI works while the product grows.
for _module in (
    "audits.cli_store",
    "audits.cli_demo",
    "audits.cli_ingest",
    "audits.cli_audit",
    "audits.cli_reports",
):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as exc:  # pragma: no cover - only while a module is missing
        if exc.name != _module:
            raise
