"""Anti-gaming in the dashboard: a vendor sees why its submissions were refused, revises an offer and waits out
the revision cooldown (429 + Retry-After); ops see a flag, set and lift a vendor's cooldown, and find both in
the audit log."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from dashboard_ui import REVISION_INTERVAL_S, find_rfo_as_vendor, rfc3339, row, sign_in
from playwright.sync_api import expect

from intentbid_local.testdata import offer_body

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_vendor_sees_the_reason_a_submission_was_rejected(page: Any, api: Any, buyer: Any) -> None:
    vendor = api.register("vendor")  # its own: rejections count towards cooldowns and flags
    rfo = api.create_rfo(buyer)  # 500 boxes for at most 5,000.00: 0.50 to 15.00 a box passes

    page.goto("/")
    sign_in(page, vendor.key, "vendor")
    expect(page.get_by_test_id("rejections").get_by_test_id("empty")).to_be_visible()
    find_rfo_as_vendor(page, rfo)
    form = page.get_by_test_id("offer-form")
    form.get_by_label("Unit price").fill("99")
    form.get_by_label("Delivery in (days)").fill("3")
    form.get_by_label("I confirm the quantity is available to deliver").check()
    form.get_by_test_id("submit-offer").click()
    expect(form.get_by_test_id("error-unit_price")).to_contain_text("price_out_of_range")

    # The refusal is in "Rejected submissions", next to the vendor's offers, with its reason and field errors
    rejected = page.get_by_test_id("rejections").get_by_test_id("rejection-row")
    expect(rejected).to_have_count(1)
    expect(rejected.get_by_test_id("rejection-code")).to_have_text("price_out_of_range")
    expect(rejected.get_by_test_id("rejection-reason")).to_have_text("The offer is not valid for this RFO.")
    expect(rejected.get_by_test_id("rejection-errors")).to_contain_text("unit_price")
    # the band in major units, as the price field takes it (the API quotes minor units: 50 and 1500)
    expect(rejected.get_by_test_id("rejection-errors")).to_contain_text(re.compile(r"€0\.50\b.*€15\.00"))
    expect(rejected).to_contain_text(rfo["id"])
    expect(rejected.locator("time")).to_have_attribute("title", re.compile(r"Z \(UTC\)$"))

    # Fixed, it goes through; the rejection stays on record
    form.get_by_label("Unit price").fill("9.90")
    form.get_by_test_id("submit-offer").click()
    expect(page.get_by_test_id("offer-row").filter(has_text=rfo["id"])).to_have_count(1)
    expect(rejected).to_have_count(1)


def test_vendor_revises_and_waits_out_the_revision_cooldown(quick_page: Any, quick_api: Any) -> None:
    page, api = quick_page, quick_api  # a runtime where revisions must be REVISION_INTERVAL_S apart
    buyer, vendor = api.register("buyer"), api.register("vendor")
    rfo = api.create_rfo(buyer)
    offer = api.submit_offer(vendor, rfo["id"], unit_price=990)
    submitted = time.monotonic()

    page.goto("/")
    sign_in(page, vendor.key, "vendor")
    row(page, "offer-row", offer["id"]).get_by_test_id("open-offer").click()
    detail = page.get_by_test_id("offer-detail")
    revise = detail.get_by_test_id("revise-form")
    expect(revise.get_by_label("Unit price")).to_have_value("9.90")

    # A revision once the interval has passed goes through
    time.sleep(max(0.0, REVISION_INTERVAL_S + 0.2 - (time.monotonic() - submitted)))
    revise.get_by_label("Unit price").fill("9.70")
    revise.get_by_test_id("submit-revision").click()
    expect(detail.get_by_test_id("offer-revision")).to_have_text("2")
    expect(detail.get_by_test_id("offer-unit-price")).to_have_text("€9.70")
    expect(row(page, "offer-row", offer["id"])).to_contain_text("€9.70")

    # Another one right away is refused with 429 revision_cooldown: the wait counts down, the button waits too
    revise = detail.get_by_test_id("revise-form")
    revise.get_by_label("Unit price").fill("9.50")
    revise.get_by_test_id("submit-revision").click()
    alert = revise.get_by_test_id("form-error")
    expect(alert).to_contain_text("(revision_cooldown)")
    expect(revise.get_by_test_id("retry-after")).to_contain_text(re.compile(r"Retry in [12] s \(after "))
    expect(revise.get_by_test_id("submit-revision")).to_be_disabled()
    cooled = page.get_by_test_id("rejection-row").filter(has_text="revision_cooldown")
    expect(cooled).to_have_count(1)
    expect(cooled).to_contain_text(offer["id"])

    # When the countdown ends the form may be sent again, and this time it goes through
    expect(revise.get_by_test_id("retry-after")).to_have_text("You can try again now.", timeout=5_000)
    expect(revise.get_by_test_id("submit-revision")).to_be_enabled()
    revise.get_by_test_id("submit-revision").click()
    expect(detail.get_by_test_id("offer-revision")).to_have_text("3")
    assert api.call("GET", f"/v1/offers/{offer['id']}", key=vendor.key)["unit_price"] == 950


def test_ops_see_a_flag_and_set_and_lift_a_cooldown(page: Any, api: Any, runtime: Any) -> None:
    # Given two vendors sending identical offers to one RFO (possible sock puppets): flagged asynchronously
    buyer, vendor, twin = api.register("buyer"), api.register("vendor"), api.register("vendor")
    rfo = api.create_rfo(buyer)
    for v in (vendor, twin):
        api.submit_offer(v, rfo["id"], unit_price=870, eta_days=5)

    page.goto("/")
    sign_in(page, runtime.admin_key, "admin")
    page.get_by_test_id("tab-ops").click()

    # The flag shows up for the vendor (the outbox dispatcher computes flags: poll for a few seconds)
    page.get_by_test_id("flags-vendor").fill(vendor.id)
    flag = page.get_by_test_id("flag-row").filter(has_text=rfo["id"])
    for _ in range(30):
        page.get_by_test_id("refresh-flags").click()
        page.wait_for_timeout(200)
        if flag.count():
            break
    expect(flag.get_by_test_id("flag-code")).to_have_text("near_identical_offers")
    expect(flag.get_by_test_id("flag-vendor")).to_have_text(vendor.id)
    expect(flag.get_by_test_id("flag-reason")).to_contain_text("nearly identical")
    expect(flag.get_by_test_id("flag-evidence")).to_contain_text(twin.id)

    # Ops put the vendor on cooldown from the flag: its submissions get 429 vendor_cooldown meanwhile
    flag.get_by_test_id("flag-cooldown").click()
    form = page.get_by_test_id("cooldown-form")
    expect(form.get_by_label("Vendor")).to_have_value(vendor.id)
    form.get_by_test_id("set-cooldown").click()  # no reason yet
    expect(form.get_by_test_id("error-reason")).to_be_visible()
    form.get_by_label("Reason").fill("Identical offers to ven twin: checking")
    form.get_by_test_id("set-cooldown").click()
    state = page.get_by_test_id("cooldown-state")
    expect(state.get_by_test_id("cooldown-vendor")).to_have_text(vendor.id)
    expect(state.get_by_test_id("cooldown-until")).to_contain_text("until")
    expect(state.get_by_test_id("cooldown-reason")).to_have_text("Identical offers to ven twin: checking")
    expect(form.get_by_test_id("error-reason")).to_be_hidden()
    status, headers, problem = api.status("POST", f"/v1/rfos/{rfo['id']}/offers", _offer(), key=vendor.key)
    assert (status, problem["code"]) == (429, "vendor_cooldown")
    assert 3500 <= int(headers["Retry-After"]) <= 3600

    # Lifting it lets the vendor submit again
    form.get_by_test_id("lift-cooldown").click()
    expect(state.get_by_test_id("cooldown-until")).to_have_text("none: the vendor may submit")
    api.call("POST", f"/v1/rfos/{rfo['id']}/offers", _offer(), key=vendor.key, expect=201)

    # Both are in the audit log, by this admin, with the reason
    page.get_by_test_id("tab-audit").click()
    page.get_by_test_id("audit-target").fill(vendor.id)
    page.get_by_test_id("search-audit").click()
    entries = page.get_by_test_id("audit-row")
    expect(entries.get_by_test_id("audit-action")).to_have_text(["register", "cooldown_set", "cooldown_lift"])
    set_entry = entries.filter(has_text="cooldown_set")
    expect(set_entry.get_by_test_id("audit-reason")).to_have_text("Identical offers to ven twin: checking")
    expect(set_entry.get_by_test_id("audit-actor-id")).to_have_text(re.compile(r"^adm_"))

    # Searching by target and actor at once is refused, and says why
    page.get_by_test_id("audit-actor").fill("system")
    page.get_by_test_id("search-audit").click()
    expect(page.get_by_test_id("audit-view").get_by_test_id("form-error")).to_contain_text("conflicting_filters")


def _offer() -> dict[str, Any]:
    return offer_body(
        unit_price=860, currency="EUR", quantity_available=500, eta_days=6, valid_until=rfc3339(timedelta(days=3))
    )
