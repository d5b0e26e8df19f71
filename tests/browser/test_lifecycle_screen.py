"""The buyer's RFO lifecycle in the dashboard: actions from `allowed_actions` with reasons, the history
timeline, and an RFO that expires at its deadline (the runtime's expiry worker really runs)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dashboard_ui import TIMEZONE, open_rfo, rfc3339, row, sign_in
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def _entry(page: Any, action: str) -> Any:
    return page.get_by_test_id("rfo-history").locator(f'[data-testid=history-entry][data-action="{action}"]')


def test_buyer_closes_with_a_reason_then_awards_an_offer(page: Any, api: Any, vendor: Any, rival: Any) -> None:
    buyer = api.register("buyer")
    rfo = api.create_rfo(buyer, title="Hard hats, EN 397")
    best = api.submit_offer(vendor, rfo["id"], unit_price=900, eta_days=3)
    other = api.submit_offer(rival, rfo["id"], unit_price=980, eta_days=6)

    page.goto("/")
    sign_in(page, buyer.key, "buyer")
    detail = open_rfo(page, rfo["id"])
    actions = page.get_by_test_id("rfo-actions")

    # An open RFO offers close, award and delete (from its allowed_actions), not reopen
    expect(detail.get_by_test_id("status")).to_have_text("OPEN")
    for action in ("close", "award", "delete"):
        expect(actions.get_by_test_id(f"action-{action}")).to_be_visible()
    expect(actions.get_by_test_id("action-reopen")).to_have_count(0)
    expect(_entry(page, "create")).to_contain_text(buyer.id)

    # Close with a reason: the status, its reason and the history say so
    actions.get_by_test_id("action-close").click()
    close = page.get_by_test_id("close-form")
    close.get_by_label("Reason (optional)").fill("Enough bids <b>in</b>")
    close.get_by_test_id("confirm-close").click()
    expect(detail.get_by_test_id("status")).to_have_text("CLOSED")
    expect(detail.get_by_test_id("status-reason")).to_have_text("“Enough bids <b>in</b>”")
    closed = _entry(page, "close")
    expect(closed.get_by_test_id("history-reason")).to_have_text("“Enough bids <b>in</b>”")
    expect(closed.get_by_test_id("history-transition")).to_have_text("OPEN → CLOSED")
    expect(closed.get_by_test_id("history-actor")).to_have_text(f"buyer {buyer.id}")
    expect(actions.get_by_test_id("action-reopen")).to_be_visible()
    expect(actions.get_by_test_id("action-close")).to_have_count(0)
    expect(row(page, "rfo-row", rfo["id"]).get_by_test_id("status")).to_have_text("CLOSED")  # the list follows

    # Reopen with a new deadline (local time in the form, UTC on the wire), then close again without a reason
    actions.get_by_test_id("action-reopen").click()
    reopen = page.get_by_test_id("reopen-form")
    reopen.get_by_label("New bidding deadline").fill("2020-01-01T10:00")
    reopen.get_by_test_id("confirm-reopen").click()
    expect(reopen.get_by_test_id("error-expires_at")).to_be_visible()  # in the past: refused next to the field
    new_deadline = datetime.now(UTC).astimezone(ZoneInfo(TIMEZONE)) + timedelta(days=2)
    reopen.get_by_label("New bidding deadline").fill(new_deadline.strftime("%Y-%m-%dT%H:%M"))
    reopen.get_by_label("Reason (optional)").fill("One more supplier asked")
    reopen.get_by_test_id("confirm-reopen").click()
    expect(detail.get_by_test_id("status")).to_have_text("OPEN")
    expect(_entry(page, "reopen").get_by_test_id("history-transition")).to_have_text("CLOSED → OPEN")
    expect(_entry(page, "reopen").get_by_test_id("history-reason")).to_have_text("“One more supplier asked”")
    reopened = api.call("GET", f"/v1/rfos/{rfo['id']}", key=buyer.key)
    assert reopened["expires_at"] == new_deadline.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:00Z")
    actions.get_by_test_id("action-close").click()
    page.get_by_test_id("confirm-close").click()
    expect(detail.get_by_test_id("status")).to_have_text("CLOSED")
    expect(_entry(page, "close")).to_have_count(2)

    # Award the runner-up, picked from the ranking, with a reason
    actions.get_by_test_id("action-award").click()
    award = page.get_by_test_id("award-form")
    picker = award.get_by_label("Offer")
    expect(picker.locator("option")).to_have_count(2)
    expect(picker.locator("option").first).to_contain_text(f"#1 · {best['id']}")
    picker.select_option(other["id"])
    award.get_by_label("Reason (optional)").fill("Local stock, known supplier")
    award.get_by_test_id("confirm-award").click()

    # AWARDED, final: no actions left; history, ranking and weights follow
    expect(detail.get_by_test_id("status")).to_have_text("AWARDED")
    expect(detail.get_by_test_id("status-reason")).to_have_text("“Local stock, known supplier”")
    expect(detail.get_by_test_id("awarded-offer")).to_have_text(other["id"])
    expect(actions.get_by_test_id("no-actions")).to_have_text("No actions: AWARDED is final.")
    expect(actions.get_by_role("button")).to_have_count(0)
    awarded = _entry(page, "award")
    expect(awarded.get_by_test_id("history-transition")).to_have_text("CLOSED → AWARDED")
    expect(awarded.get_by_test_id("history-reason")).to_have_text("“Local stock, known supplier”")
    expect(page.get_by_test_id("history-entry")).to_have_count(5)  # create, close, reopen, close, award
    expect(row(page, "ranking-row", other["id"]).get_by_test_id("winner")).to_be_visible()
    expect(page.get_by_test_id("save-weights")).to_be_disabled()
    expect(page.get_by_test_id("weights-locked")).to_contain_text("AWARDED")

    assert api.call("GET", f"/v1/offers/{other['id']}", key=buyer.key)["status"] == "won"
    assert api.call("GET", f"/v1/offers/{best['id']}", key=buyer.key)["status"] == "lost"


def test_an_rfo_shows_expired_after_its_deadline_and_can_be_deleted(page: Any, api: Any) -> None:
    buyer = api.register("buyer")
    page.goto("/")
    sign_in(page, buyer.key, "buyer")
    rfo = api.create_rfo(buyer, title="Earplugs, 200 pairs", expires_at=rfc3339(timedelta(seconds=4)))
    page.get_by_test_id("refresh-rfos").click()
    detail = open_rfo(page, rfo["id"])
    expect(detail.get_by_test_id("status")).to_have_text("OPEN")

    # After the deadline, a refresh shows EXPIRED: reads treat a past deadline as expired at once
    time.sleep(max(0.0, (datetime.fromisoformat(rfo["expires_at"]) - datetime.now(UTC)).total_seconds() + 0.3))
    page.get_by_test_id("refresh-detail").click()
    expect(detail.get_by_test_id("status")).to_have_text("EXPIRED")
    actions = page.get_by_test_id("rfo-actions")
    expect(actions.get_by_role("button")).to_have_count(1)  # only delete is left
    expect(actions.get_by_test_id("action-delete")).to_be_visible()

    # ... and the expiry worker records it, as the system actor, within a few seconds. One refresh reads the RFO
    # and its history separately: under load the history can show the worker's entry while the RFO read just
    # before it still lacks the stored status_reason, so wait for both in the same refresh.
    expired = _entry(page, "expire")
    reason = detail.get_by_test_id("status-reason")
    refresh = page.get_by_test_id("refresh-detail")
    for _ in range(25):
        expect(refresh).to_be_enabled()  # the previous refresh is done
        if expired.count() and reason.count():
            break
        page.wait_for_timeout(200)
        refresh.click()
    expect(expired.get_by_test_id("history-actor")).to_have_text("system")
    expect(expired.get_by_test_id("history-transition")).to_have_text("OPEN → EXPIRED")
    expect(reason).to_be_visible()

    # Delete needs a confirming second click; the RFO is gone from the list and the API
    delete = actions.get_by_test_id("action-delete")
    delete.click()
    expect(delete).to_have_text("Confirm delete")
    delete.click()
    expect(page.get_by_test_id("rfo-detail")).to_have_count(0)
    expect(row(page, "rfo-row", rfo["id"])).to_have_count(0)
    status, _, problem = api.status("GET", f"/v1/rfos/{rfo['id']}", key=buyer.key)
    assert (status, problem["code"]) == (404, "not_found")


def test_an_offer_past_its_validity_shows_not_awardable_and_the_award_pins_the_shown_revision(
    page: Any, api: Any, vendor: Any, rival: Any
) -> None:
    buyer = api.register("buyer")
    rfo = api.create_rfo(buyer, title="Safety boots")
    valid_until = rfc3339(timedelta(seconds=4))
    # The cheap offer scores higher, but its validity ends in a few seconds; the other is dear and partial
    lapsing = api.submit_offer(vendor, rfo["id"], unit_price=600, valid_until=valid_until)
    other = api.submit_offer(rival, rfo["id"], unit_price=990, quantity_available=100)
    lapsed_at = datetime.fromisoformat(valid_until.replace("Z", "+00:00"))
    time.sleep(max(0.0, (lapsed_at - datetime.now(UTC)).total_seconds() + 0.5))  # let the validity end (wall clock)

    page.goto("/")
    sign_in(page, buyer.key, "buyer")
    open_rfo(page, rfo["id"])
    rows = page.get_by_test_id("ranking-row")
    expect(rows).to_have_count(2)
    expect(rows.first.get_by_test_id("offer-id")).to_have_text(other["id"])
    lapsed = row(page, "ranking-row", lapsing["id"])
    expect(lapsed.get_by_test_id("not-awardable")).to_have_text("not awardable: offer expired")
    expect(lapsed.get_by_test_id("rank")).to_have_text("2")
    expect(row(page, "ranking-row", other["id"]).get_by_test_id("not-awardable")).to_have_count(0)
    higher = lapsed.get_by_test_id("score").get_attribute("title")
    lower = row(page, "ranking-row", other["id"]).get_by_test_id("score").get_attribute("title")
    assert higher and lower and float(higher) > float(lower)  # ranked after on awardability, not on score

    # The award form offers only what can be awarded, and pins the revision the ranking showed
    page.get_by_test_id("rfo-actions").get_by_test_id("action-award").click()
    award = page.get_by_test_id("award-form")
    expect(award.get_by_label("Offer").locator("option")).to_have_count(1)
    award.get_by_test_id("confirm-award").click()
    expect(page.get_by_test_id("rfo-detail").get_by_test_id("status")).to_have_text("AWARDED")
    history = api.call("GET", f"/v1/rfos/{rfo['id']}/history", key=buyer.key)["data"]
    payload = history[-1]["payload"]
    assert (payload["offer_id"], payload["offer_revision"], payload["pinned"]) == (other["id"], 1, True)
