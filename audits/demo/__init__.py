"""The demo practice: a synthetic multi-specialty group's files, loaded as uploads and audited.

build.py writes and loads them (build_demo, generate_files); roster.py, claims.py and files.py make
the roster, the claim lines with the payers' answers, and the files an analyst would upload.
"""

from audits.demo.build import build_demo, generate_files

__all__ = ["build_demo", "generate_files"]
