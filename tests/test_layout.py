"""The layout issue 10 settled (shared LAYOUT.md): the demo practice is one package, audits/demo/, and no
demo module sits beside it; the CLI is one module per command (tests/test_cli.py checks that part)."""

from __future__ import annotations

from pathlib import Path

AUDITS = Path(__file__).resolve().parent.parent / "audits"


def test_the_demo_is_one_package():
    assert sorted(p.name for p in AUDITS.glob("demo*")) == ["demo"]
    assert {"__init__.py", "build.py", "roster.py", "claims.py", "files.py"} <= {
        p.name for p in (AUDITS / "demo").glob("*.py")
    }


def test_the_demo_entry_point_is_the_package():
    from audits.demo import build_demo

    assert build_demo.__module__ == "audits.demo.build"
