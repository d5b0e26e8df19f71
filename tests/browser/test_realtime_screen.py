"""Issue 13, item 7: the buyer's open RFO follows its offers live over the realtime WebSocket (a ticket, one
socket, a refresh on each offer event of that RFO): no reload, no click on Refresh."""

from __future__ import annotations

import time
from typing import Any

import pytest
from dashboard_ui import sign_in
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def _connected(runtime: Any, owner_id: str, timeout_s: float = 20.0) -> None:
    """Wait until the owner's socket passed $connect (its item is in the connections table)."""
    ddb = runtime.aws("dynamodb")
    deadline = time.monotonic() + timeout_s
    while not ddb.query(
        TableName="intentbid-local-realtime",
        IndexName="by_owner",
        KeyConditionExpression="owner_key = :k",
        ExpressionAttributeValues={":k": {"S": f"live#{owner_id}"}},
    )["Items"]:
        assert time.monotonic() < deadline, "the dashboard's socket never connected"
        time.sleep(0.05)


def test_the_buyers_ranking_updates_when_an_offer_arrives(page: Any, api: Any, runtime: Any) -> None:
    buyer, vendor = api.register("buyer"), api.register("vendor")
    rfo = api.create_rfo(buyer, title="Live ranking")

    # Given the buyer looking at its RFO, with no offer yet, its page's socket connected
    page.goto(f"/#/rfos/{rfo['id']}")
    with page.expect_websocket():
        sign_in(page, buyer.key, "buyer")
    ranking = page.get_by_test_id("ranking")
    expect(ranking.get_by_test_id("empty")).to_be_visible()
    _connected(runtime, buyer.id)

    # When a vendor submits an offer through the API
    api.submit_offer(vendor, rfo["id"])

    # Then the ranking shows it without a reload or a click on Refresh
    expect(ranking.get_by_test_id("ranking-row")).to_have_count(1, timeout=20_000)
