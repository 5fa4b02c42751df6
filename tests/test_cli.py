"""Conventions of the command line: every command has help, errors are one sentence."""

from __future__ import annotations

import re
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


def test_the_cli_parses_and_prints_only():
    """LAYOUT: a command module calls the core; it runs no SQL of its own (a second reading of a table)."""
    sql = re.compile(r"\.execute\(|\b(SELECT|INSERT|UPDATE|DELETE)\s+\w")
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(CLI_DIR.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if sql.search(line)
    ]
    assert offenders == []
    assert sql.search("states = con.execute(") and sql.search('"SELECT issue_id, status FROM issue_state"')


_FLAG = re.compile(r"(?<![\w-])--[a-z]|python -m audits")


def _core_texts(path: Path):
    """Every string the module can show (its docstrings aside): messages, warnings, templates."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_the_core_names_no_cli_flag_in_its_messages():
    """STYLE 15: no message of the core (raised, returned or kept as a template) names a CLI flag or
    command; the CLI words the fix (main() catches NotADatabase and NotAudited and names --db and run)."""
    core = CLI_DIR.parent
    offenders = [
        f"{path.relative_to(core).as_posix()}:{line}: {text[:80]}"
        for path in sorted(core.rglob("*.py"))
        if CLI_DIR not in path.parents
        for line, text in _core_texts(path)
        if _FLAG.search(text)
    ]
    assert offenders == []


def _page_titles() -> list[str]:
    """The pages' titles, as dashboard.py names them in st.Page(..., title=...)."""
    text = (CLI_DIR.parent.parent / "dashboard.py").read_text(encoding="utf-8")
    return re.findall(r'st\.Page\([^)]*?title="([^"]+)"', text, flags=re.S)


def test_the_core_names_no_page_in_its_messages():
    """STYLE 15, the other edge: the pages word the way to a page, the core never names one (by its title)."""
    titles = _page_titles()
    assert "Monthly audit" in titles and "Upload & data quality" in titles  # the check reads them
    core = CLI_DIR.parent
    offenders = [
        f"{path.relative_to(core).as_posix()}:{line}: {text[:80]}"
        for path in sorted(core.rglob("*.py"))
        if CLI_DIR not in path.parents
        for line, text in _core_texts(path)
        for title in titles
        if title in text
    ]
    assert offenders == []


def test_the_flag_check_can_fail(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docs may name `--db`."""\n'
        'def f():\n    """Nor here: --month."""\n    raise ValueError(f"{1} - give --month YYYY-MM")\n'
        'HINT = "run `python -m audits run` first"\n'
    )
    found = sorted(text for _, text in _core_texts(sample) if _FLAG.search(text))
    assert found == [" - give --month YYYY-MM", "run `python -m audits run` first"]


def test_the_cli_words_the_fix_of_a_core_error(tmp_path, capsys):
    """The core's NotAudited names no flag; the CLI adds the command that fixes it."""
    from audits.errors import NotAudited

    assert "--" not in str(NotAudited("2026-10"))
    db = tmp_path / "x.duckdb"
    assert main(["init", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["findings", "--db", str(db), "--month", "2026-10", "--out", str(tmp_path / "f.csv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: 2026-10 has not been audited yet")
    assert "python -m audits run --month 2026-10" in err
