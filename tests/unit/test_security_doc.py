"""docs/SECURITY.md maps the OWASP API Top 10 to tests: every test it names must exist (renames break the map)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "SECURITY.md").read_text()


def _defined_tests() -> set[str]:
    names = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names.add(path.stem)
        names.update(re.findall(r"^\s*(?:async )?def (test_\w+)", path.read_text(), flags=re.M))
    return names


def test_every_test_the_security_page_names_exists() -> None:
    named = set(re.findall(r"\btest_\w+", DOC))
    assert len(named) > 40  # the page is the map, not a sketch
    assert sorted(named - _defined_tests()) == []


def test_every_owasp_api_item_has_a_row() -> None:
    for n in range(1, 11):
        assert f"**API{n} " in DOC, f"API{n} missing"
