"""Conventions of the command line: every command has help, errors are one sentence."""

from __future__ import annotations

import subprocess
import sys

import pytest

from audits.cli import COMMANDS, build_parser, main

build_parser()  # registers the commands
EXPECTED = {"init", "demo", "ingest", "run", "findings", "check"}


def test_every_expected_command_is_registered():
    assert EXPECTED <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_and_db_option(name, capsys):
    help_text, _add, _run = COMMANDS[name]
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
