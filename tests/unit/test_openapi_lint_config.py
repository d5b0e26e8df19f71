"""`make lint` runs Redocly CLI on docs/openapi.json with redocly.yaml: the strict recommended ruleset, and every
rule switched off carries a ``# reason:`` comment right above it; the linter is pinned exactly in package.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_disabled_redocly_rule_says_why() -> None:
    lines = (ROOT / "redocly.yaml").read_text().splitlines()
    assert "  - recommended-strict" in lines
    disabled = [i for i, line in enumerate(lines) if re.match(r"^\s+[a-z0-9-]+:\s*off\s*$", line)]
    assert disabled, "the config names the rules it switches off"
    for i in disabled:
        above = []
        for line in reversed(lines[:i]):
            if not line.strip().startswith("#"):
                break
            above.append(line)
        assert any("# reason:" in line for line in above), lines[i]


def test_the_linter_is_pinned_and_run_by_make_lint() -> None:
    dev = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", dev["@redocly/cli"])
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@redocly/cli"]["version"] == dev["@redocly/cli"]
    makefile = (ROOT / "Makefile").read_text()
    assert "redocly lint docs/openapi.json --config redocly.yaml" in makefile
