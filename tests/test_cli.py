"""Conventions of the command line: every command has help, errors are one sentence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from audits.cli import COMMANDS, command_module, main

EXPECTED = {"init", "demo", "ingest", "run", "findings", "check"}
CLI_DIR = Path(__file__).resolve().parent.parent / "audits" / "cli"


def test_every_expected_command_is_registered():
    assert EXPECTED <= set(COMMANDS)


def test_one_module_per_command_named_after_it():
    modules = {p.stem for p in CLI_DIR.glob("*.py")} - {"__init__"}
    assert modules == {name.replace("-", "_") for name in COMMANDS}
    assert len(set(COMMANDS)) == len(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_db_option(name, capsys):
    module = command_module(name)
    assert callable(module.run) and callable(module.arguments)
    help_text = module.HELP
    assert help_text and help_text.endswith(".")
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--db PATH" in out


def test_init_creates_an_empty_database(tmp_path):
    target = tmp_path / "fresh.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "audits", "init", "--db", str(target)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert target.exists()
    assert "Empty database ready" in result.stdout


def test_db_falls_back_to_environment(tmp_path, monkeypatch):
    target = tmp_path / "from_env.duckdb"
    monkeypatch.setenv("CLEARTOBILL_DB", str(target))
    assert main(["init"]) == 0
    assert target.exists()


def test_core_errors_become_one_line_and_exit_1(tmp_path, capsys):
    # A database that is not a DuckDB file: the core says so in one sentence.
    bogus = tmp_path / "not_a_db.duckdb"
    bogus.write_text("this is not a database")
    result = subprocess.run(
        [sys.executable, "-m", "audits", "init", "--db", str(bogus)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.strip().splitlines()) == 1


# Messages of ingest modules still naming --kind / --mapping (owned by `pipeline` / `recog`, #9):
# they move to the CLI's wording as those modules are reshaped; nothing may be added here.
_NOT_YET_WORDED_BY_THE_CLI = {"ingest/mapping.py"}


def test_the_core_names_no_cli_flag_in_its_messages():
    """STYLE 15: a core exception names no CLI flag or command; the CLI words the fix (main())."""
    import ast
    import re

    flag = re.compile(r"(?<![\w-])--[a-z]|python -m audits")
    core = CLI_DIR.parent
    offenders = set()
    for path in core.rglob("*.py"):
        if CLI_DIR in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                texts = [
                    c.value
                    for c in ast.walk(node.exc)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                ]
                if any(flag.search(t) for t in texts):
                    offenders.add(path.relative_to(core).as_posix())
    assert offenders <= _NOT_YET_WORDED_BY_THE_CLI
