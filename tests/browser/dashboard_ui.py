"""Small page actions shared by the browser tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

# Where the buyer's ranking view is saved for a human to look at.
SCREENSHOT = Path(os.environ.get("INTENTBID_DASHBOARD_SCREENSHOT", "/tmp/dashboard.png"))


def sign_in(page: Any, key: str, kind: str | None = None) -> None:
    form = page.get_by_test_id("sign-in-form")
    form.get_by_label("API key").fill(key)
    form.get_by_test_id("sign-in").click()
    if kind:
        expect(page.get_by_test_id("me-kind")).to_have_text(kind)


def sign_out(page: Any) -> None:
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("sign-in-form")).to_be_visible()


def open_rfo(page: Any, rfo_id: str) -> Any:
    """Open an RFO from the list; returns its detail section."""
    page.locator(f'[data-testid=rfo-row][data-id="{rfo_id}"]').get_by_test_id("open-rfo").click()
    detail = page.get_by_test_id("rfo-detail")
    expect(detail.get_by_test_id("rfo-id")).to_have_text(rfo_id)
    return detail
