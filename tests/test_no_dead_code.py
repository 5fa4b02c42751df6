"""Issue 10, less scaffolding: every function and class of the core and the pages has a caller outside
the tests (the core, the pages, the entrypoint, the notebooks, bench/ or the Makefile). A function only its
own test calls is dead: it goes, or something uses it. Found by name, so a name used anywhere counts."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFINED_IN = [*sorted((ROOT / "audits").rglob("*.py")), *sorted((ROOT / "app_pages").rglob("*.py"))]
DEFINED_IN.append(ROOT / "dashboard.py")
CALLERS = [
    *DEFINED_IN,
    *sorted((ROOT / "notebooks").glob("*.ipynb")),
    *sorted((ROOT / "notebooks").glob("*.py")),
    *sorted((ROOT / "bench").rglob("*.py")),
    ROOT / "Makefile",
]
WORD = re.compile(r"[A-Za-z_]\w*")


def _definitions(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append((node.name, node.lineno))
        if isinstance(node, ast.ClassDef):
            found.extend(
                (item.name, item.lineno)
                for item in node.body
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("__")
            )
    return found


def _uncalled(defined_in: list[Path], callers: list[Path], root: Path = ROOT) -> list[str]:
    words: Counter[str] = Counter()
    for path in callers:
        words.update(WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
    out = []
    for path in defined_in:
        for name, line in _definitions(path):
            if words[name] <= 1:  # the def itself
                out.append(f"{path.relative_to(root)}:{line}: {name}")
    return out


def test_every_function_has_a_caller_outside_the_tests():
    assert _uncalled(DEFINED_IN, CALLERS) == []


def test_the_check_finds_a_function_only_a_test_calls(tmp_path):
    core = tmp_path / "core.py"
    core.write_text(
        "def used():\n    return kept()\n\n\ndef kept():\n    return 1\n\n\ndef only_tested():\n    return 2\n"
    )
    page = tmp_path / "page.py"
    page.write_text("from core import used\nused()\n")
    (tmp_path / "test_core.py").write_text("from core import only_tested\nassert only_tested() == 2\n")
    assert _uncalled([core], [core, page], tmp_path) == ["core.py:9: only_tested"]


FALLBACK = re.compile(
    r"except\s*\(?\s*(ImportError|ModuleNotFoundError|AttributeError)\b|not available in this build"
)


def _page_lines(pattern: re.Pattern) -> list[str]:
    """'file:line: text' of each line of the pages (app_pages/, dashboard.py) that `pattern` finds."""
    pages = [*sorted((ROOT / "app_pages").glob("*.py")), ROOT / "dashboard.py"]
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in pages
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]


def test_the_pages_import_the_core_directly():
    """No "not available in this build" branch and no import fallback: a page imports audits.* and uses it."""
    assert _page_lines(FALLBACK) == []
    assert FALLBACK.search("    except ImportError:  # the gate is not in this build")
    assert FALLBACK.search('st.info("Exclusion screening is not available in this build.")')


def test_the_pages_run_no_sql():
    """A page lays out widgets and calls audits.*; a second reading of a table in a page is a copy."""
    sql = re.compile(r"\.execute\(|\.sql\(|\b(SELECT|INSERT|UPDATE|DELETE)\s+[\w*]")
    assert _page_lines(sql) == []
    assert sql.search('rows = data.con.execute("SELECT count(*) FROM findings")')
