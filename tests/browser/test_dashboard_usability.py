"""Issue 11, item 5: the dashboard names what ids stand for, can be linked, does not invite duplicate submits,
speaks one money unit, shows the price band before a refusal, offers disclosure, profiles, share links and "All".

Few tests, each a whole user journey: every browser test costs CI time."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dashboard_ui import open_rfo, row, sign_in, sign_out
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_vendor_links_views_sees_the_band_first_and_cannot_send_twice(page: Any, api: Any, buyer: Any) -> None:
    vendor = api.register("vendor")  # its own: its rejections and offers are what the screens list
    # 500 boxes for at most EUR 5,000.00: EUR 10.00 a box; the band is 5 %..150 % of the budget: 0.50 to 15.00
    rfo = api.create_rfo(buyer, title="Gloves for the link test")

    # A link to the RFO survives signing in and opens it
    page.goto(f"/#/rfos/{rfo['id']}")
    sign_in(page, vendor.key, "vendor")
    detail = page.get_by_test_id("rfo-detail")
    expect(detail.get_by_test_id("rfo-id")).to_have_text(rfo["id"])
    expect(page).to_have_url(re.compile(f"#/rfos/{rfo['id']}$"))

    # Before anything is sent: the budget per unit and the accepted band, in the unit the price field takes
    form = page.get_by_test_id("offer-form")
    expect(form.get_by_test_id("budget-per-unit")).to_have_text("€10.00")
    expect(form.get_by_test_id("band-low")).to_have_text("€0.50")
    expect(form.get_by_test_id("band-high")).to_have_text("€15.00")
    submit = form.get_by_test_id("submit-offer")
    expect(submit).to_be_disabled()  # nothing entered yet

    # A price outside the band: the server's refusal quotes the band in major units, like the field
    form.get_by_label("Unit price").fill("99")
    expect(submit).to_be_enabled()
    form.get_by_label("Delivery in (days)").fill("3")
    form.get_by_label("I confirm the quantity is available to deliver").check()
    submit.click()
    price_error = form.get_by_test_id("error-unit_price")
    expect(price_error).to_contain_text(re.compile(r"€0\.50\b.*€15\.00"))
    expect(price_error).not_to_contain_text("1500")
    rejected = page.get_by_test_id("rejection-row").filter(has_text=rfo["id"])
    expect(rejected.get_by_test_id("rejection-errors")).to_contain_text(re.compile(r"€0\.50\b.*€15\.00"))
    expect(rejected.get_by_test_id("rejection-rfo-title")).to_have_text(rfo["title"])
    expect(submit).to_be_enabled()  # a refusal is not a success: fix and resend

    # Accepted: Submit is disabled again until the form changes, so a second click sends nothing
    form.get_by_label("Unit price").fill("9.90")
    submit.click()
    mine = page.get_by_test_id("my-offers").get_by_test_id("offer-row").filter(has_text=rfo["id"])
    expect(mine).to_have_count(1)
    expect(submit).to_be_disabled()
    form.get_by_label("Notes (optional)").fill("second thoughts")
    expect(submit).to_be_enabled()
    status, _, offers = api.status("GET", f"/v1/rfos/{rfo['id']}/offers", key=vendor.key)
    assert status == 200 and len(offers["data"]) == 1

    # "My offers" names the RFO next to its id
    expect(mine.get_by_test_id("offer-rfo-title")).to_have_text(rfo["title"])
    offer_id = mine.get_attribute("data-id")

    # Opening the offer puts it in the URL; its revise form waits for a change and shows the band too
    mine.get_by_test_id("open-offer").click()
    expect(page).to_have_url(re.compile(f"#/offers/{offer_id}$"))
    offer = page.get_by_test_id("offer-detail")
    expect(offer.get_by_test_id("offer-rfo-title")).to_have_text(rfo["title"])
    revise = offer.get_by_test_id("revise-form")
    expect(revise.get_by_test_id("submit-revision")).to_be_disabled()
    expect(revise.get_by_test_id("band-high")).to_have_text("€15.00")

    # Back returns to the RFO, forward to the offer, and a reload opens what the URL names
    page.go_back()
    expect(page).to_have_url(re.compile(f"#/rfos/{rfo['id']}$"))
    expect(page.get_by_test_id("rfo-detail").get_by_test_id("rfo-id")).to_have_text(rfo["id"])
    expect(page.get_by_test_id("offer-detail")).to_have_count(0)
    page.go_forward()
    expect(page.get_by_test_id("offer-detail").get_by_test_id("offer-revision")).to_have_text("1")
    page.reload()
    expect(page.get_by_test_id("me-kind")).to_have_text("vendor")
    expect(page.get_by_test_id("offer-detail").get_by_test_id("offer-rfo-title")).to_have_text(rfo["title"])

    # Closing it leaves the URL without a route; back opens it again
    page.get_by_test_id("close-offer").click()
    expect(page.get_by_test_id("offer-detail")).to_have_count(0)
    expect(page).not_to_have_url(re.compile("#/"))
    page.go_back()
    expect(page.get_by_test_id("offer-detail")).to_be_visible()


def test_buyer_posts_with_disclosure_and_profile_shares_and_revokes_a_link(
    page: Any, api: Any, buyer: Any, vendor: Any
) -> None:
    page.goto("/")
    sign_in(page, buyer.key, "buyer")
    # The header names who is signed in, next to the id
    expect(page.get_by_test_id("me-name")).to_have_text(api.call("GET", "/v1/me", key=buyer.key)["name"])

    # The new-RFO form offers what vendors see and how offers are weighed
    form = page.get_by_test_id("new-rfo-form")
    form.get_by_label("Title").fill("Share-link test pallets")
    form.get_by_label("Category").fill("packaging")  # its default profile is "cheapest"
    form.get_by_label("Quantity").fill("40")
    form.get_by_label("Unit", exact=True).fill("pallets")
    form.get_by_label("Budget (max, total)").fill("2000")
    form.get_by_label("Currency").select_option("EUR")
    form.get_by_label("Delivery region").fill("EU-DE")
    form.get_by_label("Vendors see").select_option("own_rank")
    profile = form.get_by_label("Weight profile")
    expect(profile.locator("option")).to_have_count(5)  # the category default and the catalog's four
    profile.select_option("fastest")
    expect(form).to_contain_text("Earliest delivery first")
    form.get_by_test_id("create-rfo").click()

    # The new RFO opens under its own URL, and holds what was picked
    detail = page.get_by_test_id("rfo-detail")
    expect(detail.get_by_test_id("rfo-disclosure")).to_contain_text("own_rank")
    rfo_id = detail.get_by_test_id("rfo-id").inner_text()
    expect(page).to_have_url(re.compile(f"#/rfos/{rfo_id}$"))
    rfo = api.call("GET", f"/v1/rfos/{rfo_id}", key=buyer.key)
    assert rfo["disclosure"] == "own_rank"
    assert float(rfo["weights"]["delivery"]) > float(rfo["weights"]["price"])  # fastest, not packaging's cheapest

    # The ranking names each vendor next to its id
    api.submit_offer(vendor, rfo_id, unit_price=4_500, quantity_available=40)
    page.get_by_test_id("refresh-ranking").click()
    ranked = page.get_by_test_id("ranking-row")
    expect(ranked.get_by_test_id("vendor-id")).to_have_text(vendor.id)
    expect(ranked.get_by_test_id("vendor-name")).to_have_text(api.call("GET", "/v1/me", key=vendor.key)["name"])

    # A share link: shown once, opens the public view without a key; revoked, it opens nothing
    share = page.get_by_test_id("share-link-panel")
    share.get_by_test_id("create-share-link").click()
    link = share.get_by_test_id("share-link")
    expect(link).to_have_value(re.compile(r"^http://[^/]+/v1/public/rfos/pub_[\w-]{43}$"))
    path = re.sub(r"^http://[^/]+", "", link.input_value())
    status, _, public = api.status("GET", path)
    assert (status, public["title"]) == (200, "Share-link test pallets")
    assert "budget_max" not in public or public["budget_max"] is None  # prices not allowed
    revoke = share.get_by_test_id("revoke-share-link")
    revoke.click()
    expect(revoke).to_have_text("Confirm revoke")
    revoke.click()
    expect(share.get_by_test_id("share-revoked")).to_be_visible()
    assert api.status("GET", path)[0] == 404
    history = page.get_by_test_id("history-list")
    expect(history.locator("[data-action=public_token_create]")).to_contain_text("Share link created")
    expect(history.locator("[data-action=public_token_revoke]")).to_contain_text("Share link revoked")


def test_every_status_filter_has_all(page: Any, api: Any, runtime: Any) -> None:
    buyer = api.register("buyer")  # its own: its list holds exactly these two
    open_one = api.create_rfo(buyer, title="Still open")
    closed = api.create_rfo(buyer, title="Already closed")
    api.call("POST", f"/v1/rfos/{closed['id']}/close", {}, key=buyer.key)

    page.goto("/")
    sign_in(page, buyer.key, "buyer")
    status_filter = page.get_by_test_id("status-filter")
    expect(status_filter.locator("option").first).to_have_text("All")
    page.get_by_test_id("status-filter").select_option("CLOSED")
    expect(page.get_by_test_id("rfo-row")).to_have_count(1)
    page.get_by_test_id("status-filter").select_option(label="All")
    expect(page.get_by_test_id("rfo-row")).to_have_count(2)
    sign_out(page)

    # Ops list one status at a time (OPEN first); "All" goes through every status, page after page
    sign_in(page, runtime.admin_key, "admin")
    status_filter = page.get_by_test_id("status-filter")
    expect(status_filter).to_have_value("OPEN")
    expect(row(page, "rfo-row", closed["id"])).to_have_count(0)
    status_filter.select_option(label="All")
    expect(row(page, "rfo-row", open_one["id"])).to_have_count(1)  # the newest OPEN: on the first page
    more = page.get_by_test_id("more-rfos")
    for _ in range(50):  # other tests' RFOs come first; each page is one more click
        if row(page, "rfo-row", closed["id"]).count() or not more.count():
            break
        shown = page.get_by_test_id("rfo-row").count()
        more.click()
        expect(page.get_by_test_id("rfo-row")).not_to_have_count(shown)
    closed_row = row(page, "rfo-row", closed["id"])
    expect(closed_row.get_by_test_id("status")).to_have_text("CLOSED")
    open_rfo(page, closed["id"])
    expect(page).to_have_url(re.compile(f"#/rfos/{closed['id']}$"))
