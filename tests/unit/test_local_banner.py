"""``make dev``'s start banner says which registration limit it answers with and why (issue 11, item 4: the
README said ``10/3600`` while ``make dev`` answered ``q=1000``, unexplained)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intentbid.config import RateLimits
from intentbid_local.environment import LOCAL_DEFAULTS
from intentbid_local.run import banner
from intentbid_local.runtime import RuntimeInfo

ROOT = Path(__file__).resolve().parents[2]
INFO = RuntimeInfo("http://127.0.0.1:8080", "http://127.0.0.1:5000", "ib_live_x", "adm_x", 1.0)
LOCAL = LOCAL_DEFAULTS["INTENTBID_RATE_LIMIT_REGISTER"]
DEFAULT = str(RateLimits().rate_limit_register)


def test_the_banner_names_the_raised_registration_limit_and_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_RATE_LIMIT_REGISTER", LOCAL)  # as environment.apply_base sets it
    text = banner(INFO, [])
    assert f"registrations {LOCAL} per source IP" in text
    assert f"raised locally from the default {DEFAULT}" in text and "127.0.0.1" in text


def test_an_explicit_setting_is_shown_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_RATE_LIMIT_REGISTER", "5/60")
    text = banner(INFO, [])
    assert "registrations 5/60 per source IP" in text and "raised locally" not in text


def test_the_readme_explains_the_local_registration_limit() -> None:
    row = next(
        line for line in (ROOT / "README.md").read_text().splitlines() if "`INTENTBID_RATE_LIMIT_REGISTER`" in line
    )
    assert f"`{DEFAULT}`" in row and f"`{LOCAL}`" in row and "127.0.0.1" in row
