"""Small page actions shared by the browser tests."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from intentbid_local.timefmt import at

# Where views are saved for a human to look at: the buyer's ranking, the explain view, the keys screen.
SCREENSHOT = Path(os.environ.get("INTENTBID_DASHBOARD_SCREENSHOT", "/tmp/dashboard.png"))
EXPLAIN_SCREENSHOT = Path(os.environ.get("INTENTBID_EXPLAIN_SCREENSHOT", "/tmp/explain.png"))
KEYS_SCREENSHOT = Path(os.environ.get("INTENTBID_KEYS_SCREENSHOT", "/tmp/keys.png"))
WEBHOOKS_SCREENSHOT = Path(os.environ.get("INTENTBID_WEBHOOKS_SCREENSHOT", "/tmp/webhooks.png"))

TIMEZONE = "Europe/Berlin"  # the pages' time zone: not UTC, so local <-> UTC conversions are really exercised

# The quick runtime's minimum interval between two changes of one offer: long enough that an immediate second
# revision is refused, short enough for a test to wait out.
REVISION_INTERVAL_S = 2


def rfc3339(delta: timedelta) -> str:
    """Now + ``delta`` as the API writes times (UTC, whole seconds, ``Z``)."""
    return at(datetime.now(UTC).replace(microsecond=0) + delta)


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


def find_rfo_as_vendor(page: Any, rfo: dict[str, Any]) -> Any:
    """Narrow the open RFOs to this one's category (other tests post RFOs too) and open it."""
    page.get_by_test_id("filter-category").fill(rfo["category"])
    page.get_by_test_id("refresh-rfos").click()
    expect(page.get_by_test_id("rfo-row")).to_have_count(1)
    return open_rfo(page, rfo["id"])


def row(page: Any, testid: str, id_: str) -> Any:
    """The table row ``[data-testid=<testid>][data-id=<id_>]``."""
    return page.locator(f'[data-testid="{testid}"][data-id="{id_}"]')
