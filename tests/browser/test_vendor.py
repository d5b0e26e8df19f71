"""Vendor flows in the dashboard, and the buyer's ranking of what vendors submitted."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dashboard_ui import SCREENSHOT, open_rfo, sign_in, sign_out
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def _find_rfo_as_vendor(page: Any, rfo: dict[str, Any]) -> Any:
    """Narrow the open RFOs to this one's category (other tests post RFOs too) and open it."""
    page.get_by_test_id("filter-category").fill(rfo["category"])
    page.get_by_test_id("refresh-rfos").click()
    expect(page.get_by_test_id("rfo-row")).to_have_count(1)
    return open_rfo(page, rfo["id"])


def test_vendor_bids_through_the_form_and_the_buyer_sees_it_ranked_first(
    page: Any, api: Any, buyer: Any, vendor: Any, rival: Any
) -> None:
    # Given a buyer's open RFO and a rival's dearer, slower offer
    rfo = api.create_rfo(buyer, title="Nitrile gloves <M> & co")
    api.submit_offer(rival, rfo["id"], unit_price=1200, eta_days=10)

    # When the vendor signs in, opens the RFO and submits an offer through the form
    page.goto("/")
    sign_in(page, vendor.key, "vendor")
    expect(page.get_by_test_id("me-id")).to_have_text(vendor.id)
    _find_rfo_as_vendor(page, rfo)
    form = page.get_by_test_id("offer-form")
    expect(form.get_by_label("Currency")).to_have_value("EUR")  # prefilled from the RFO
    expect(form.get_by_label("Quantity available")).to_have_value("500")
    form.get_by_label("Unit price").fill("9.50")
    form.get_by_label("Delivery in (days)").fill("3")
    form.get_by_label("I confirm the quantity is available to deliver").check()
    form.get_by_test_id("submit-offer").click()

    # Then it is in "My offers", active, in major units
    mine = page.get_by_test_id("my-offers").get_by_test_id("offer-row").filter(has_text=rfo["id"])
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("€9.50")
    expect(mine).to_contain_text("€4,750.00")
    expect(mine.get_by_test_id("status")).to_have_text("active")
    offer_id = mine.get_attribute("data-id")
    assert offer_id and offer_id.startswith("off_")

    # When the buyer signs in and opens the RFO
    sign_out(page)
    assert page.evaluate("sessionStorage.length") == 0
    sign_in(page, buyer.key, "buyer")
    open_rfo(page, rfo["id"])

    # Then the vendor's offer ranks first, ahead of the rival's
    rows = page.get_by_test_id("ranking-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).get_by_test_id("rank")).to_have_text("1")
    expect(rows.nth(0).get_by_test_id("offer-id")).to_have_text(offer_id)
    expect(rows.nth(0).get_by_test_id("vendor-id")).to_have_text(vendor.id)
    expect(rows.nth(0)).to_contain_text("€9.50")
    expect(rows.nth(0)).to_contain_text("price")
    expect(rows.nth(1).get_by_test_id("vendor-id")).to_have_text(rival.id)
    expect(rows.nth(0).locator("time")).to_have_attribute("title", re.compile(r"Z \(UTC\)$"))
    # Server text is shown as text, never parsed as markup
    expect(page.get_by_test_id("rfo-detail").get_by_role("heading")).to_have_text("Nitrile gloves <M> & co")
    page.get_by_test_id("ranking").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_offer_errors_appear_next_to_their_fields(page: Any, api: Any, buyer: Any, vendor: Any) -> None:
    rfo = api.create_rfo(buyer)
    page.goto("/")
    sign_in(page, vendor.key, "vendor")
    _find_rfo_as_vendor(page, rfo)
    form = page.get_by_test_id("offer-form")

    # When the vendor leaves availability unconfirmed and gives a validity already past
    form.get_by_label("Unit price").fill("10")
    form.get_by_label("Delivery in (days)").fill("2")
    form.get_by_label("Offer valid until").fill("2020-06-01T12:00")
    form.get_by_test_id("submit-offer").click()

    # Then each problem is shown next to its own field, and the problem's detail and code at the top
    availability = form.get_by_test_id("error-availability_confirmed")
    expect(availability).to_contain_text("availability_not_confirmed")
    expect(form.get_by_test_id("error-valid_until")).to_contain_text("in_past")
    expect(form.get_by_test_id("error-unit_price")).to_be_hidden()
    expect(form.get_by_test_id("form-error")).to_contain_text("The offer is not valid for this RFO.")
    checkbox = form.get_by_label("I confirm the quantity is available to deliver")
    expect(checkbox).to_have_attribute("aria-invalid", "true")
    described_by = checkbox.get_attribute("aria-describedby") or ""
    assert availability.get_attribute("id") in described_by.split()

    # When they fix both, the offer goes through and the errors clear
    checkbox.check()
    form.get_by_label("Offer valid until").fill("2031-06-01T12:00")
    form.get_by_test_id("submit-offer").click()
    expect(page.get_by_test_id("offer-row").filter(has_text=rfo["id"])).to_have_count(1)
    expect(availability).to_be_hidden()
    expect(form.get_by_test_id("form-error")).to_be_hidden()


def test_vendor_withdraws_an_offer(page: Any, api: Any, buyer: Any, vendor: Any) -> None:
    rfo = api.create_rfo(buyer)
    offer = api.submit_offer(vendor, rfo["id"])
    page.goto("/")
    sign_in(page, vendor.key, "vendor")

    row = page.locator(f'[data-testid=offer-row][data-id="{offer["id"]}"]')
    expect(row.get_by_test_id("status")).to_have_text("active")
    withdraw = row.get_by_test_id("withdraw-offer")
    withdraw.click()
    expect(withdraw).to_have_text("Confirm withdraw")  # a second click is needed
    withdraw.click()
    expect(row.get_by_test_id("status")).to_have_text("withdrawn")
    expect(row.get_by_test_id("withdraw-offer")).to_have_count(0)
    assert api.call("GET", f"/v1/offers/{offer['id']}", key=vendor.key)["status"] == "withdrawn"


def test_my_offers_shows_the_rank_an_own_rank_rfo_discloses(
    page: Any, api: Any, buyer: Any, vendor: Any, rival: Any
) -> None:
    """Issue 11, item 4: "My offers" showed "sealed" for an offer on an ``own_rank`` RFO (the vendor's offer list
    gave ``rank: null`` there). The list and the detail now show the rank, and "sealed" only where it is sealed."""
    disclosed, sealed = api.create_rfo(buyer, disclosure="own_rank"), api.create_rfo(buyer)
    mine = api.submit_offer(vendor, disclosed["id"], unit_price=990)
    api.submit_offer(rival, disclosed["id"], unit_price=900)  # cheaper: the vendor's offer ranks 2nd
    hidden = api.submit_offer(vendor, sealed["id"])
    page.goto("/")
    sign_in(page, vendor.key, "vendor")

    row = page.locator(f'[data-testid=offer-row][data-id="{mine["id"]}"]')
    expect(row.get_by_test_id("offer-rank")).to_have_text("#2")
    sealed_row = page.locator(f'[data-testid=offer-row][data-id="{hidden["id"]}"]')
    expect(sealed_row.get_by_test_id("offer-rank")).to_have_text("sealed")
    row.get_by_test_id("open-offer").click()
    expect(page.get_by_test_id("offer-detail").get_by_test_id("offer-rank")).to_have_text("#2")
