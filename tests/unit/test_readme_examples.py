"""The README's examples never go stale (issue 11, item 4): its RFO example hard-coded
``expires_at: 2026-12-10...``, which the API refuses from that day on. Code blocks carry no absolute date; the
example computes its timestamps from today (the e2e suite runs the whole block against the local runtime)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READMES = [ROOT / "README.md", ROOT / "dashboard" / "README.md"]
# a calendar date (2026-12-10, 2026/12/10) or an RFC 3339 timestamp: anything that can pass its day
ABSOLUTE_DATE = re.compile(r"\b(19|20|21)\d\d[-/](0[1-9]|1[0-2])[-/](0[1-9]|[12]\d|3[01])")


def code_blocks(path: Path) -> list[str]:
    return re.findall(r"^```[^\n]*\n(.*?)^```", path.read_text(encoding="utf-8"), flags=re.S | re.M)


def rfo_example() -> str:
    """The README's shell block that posts an RFO."""
    return next(b for b in code_blocks(ROOT / "README.md") if "/v1/rfos" in b and "curl" in b)


@pytest.mark.parametrize("path", READMES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_readme_example_holds_an_absolute_date(path: Path) -> None:
    stale = [m.group(0) for block in code_blocks(path) for m in ABSOLUTE_DATE.finditer(block)]
    assert stale == [], f"compute dates from today in {path.name}'s examples (e.g. $(date -u -d '+7 days' ...))"


def test_the_readme_rfo_example_computes_future_timestamps_the_api_accepts() -> None:
    gnu = shutil.which("date") and not subprocess.run(["date", "-u", "-d", "+1 days"], check=False).returncode
    assert gnu, "GNU date is needed to check the README's example"  # present on every Linux CI image
    block = rfo_example()
    assignments = re.findall(r"^([A-Z_]+)=\$\((date [^)]*)\)$", block, flags=re.M)
    assert {name for name, _ in assignments} >= {"EXPIRES_AT", "NEED_BY"}
    env = {
        name: subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, check=True).stdout.strip()
        for name, cmd in assignments
    }
    body = re.search(r"<<EOF\n(.*?)^EOF$", block, flags=re.S | re.M)
    assert body, "the RFO body is a here-document"
    doc = json.loads(re.sub(r"\$([A-Z_]+)", lambda m: env[m.group(1)], body.group(1)))
    now = datetime.now(UTC)
    expires = datetime.fromisoformat(doc["expires_at"].replace("Z", "+00:00"))
    need_by = datetime.fromisoformat(doc["need_by"].replace("Z", "+00:00"))
    assert now < expires < need_by
