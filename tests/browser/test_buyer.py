"""Buyer flows in the dashboard: register in the UI, post an RFO through the form, see it listed."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from dashboard_ui import sign_in
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_buyer_registers_sees_key_once_and_posts_an_rfo(page: Any, api: Any) -> None:
    # Given a visitor on the dashboard
    page.goto("/")

    # When they register as a buyer
    reg = page.get_by_test_id("register-form")
    reg.get_by_test_id("register-buyer").check()
    reg.get_by_label("Name").fill("Acme Procurement")
    reg.get_by_label("Email").fill(f"buyer-{uuid.uuid4().hex[:8]}@example.com")
    reg.get_by_test_id("register").click()

    # Then the new key is shown once, with a warning and a copy button, and they are signed in with it
    key_box = page.get_by_test_id("new-api-key")
    expect(key_box).to_have_value(re.compile(r"^ib_(live|test)_\w+$"))
    api_key = key_box.input_value()
    expect(page.get_by_test_id("key-warning")).to_contain_text("shown only once")
    expect(page.get_by_test_id("copy-key")).to_be_visible()
    expect(page.get_by_test_id("me-kind")).to_have_text("buyer")
    expect(page.get_by_test_id("me-id")).to_have_text(re.compile(r"^buy_"))
    expect(page.get_by_test_id("me-environment")).to_have_text(re.compile(r"^(live|test)$"))
    assert page.evaluate("sessionStorage.getItem('intentbid.apiKey')") == api_key
    assert page.evaluate("localStorage.length") == 0
    page.get_by_test_id("dismiss-key").click()
    expect(page.get_by_test_id("key-once")).to_have_count(0)
    assert api_key not in page.content()

    # When they post an RFO through the form (the page runs in Europe/Berlin: UTC+1 in early March, +2 in April)
    title = f"Printer paper A4 {uuid.uuid4().hex[:6]}"
    form = page.get_by_test_id("new-rfo-form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Category").fill("office-supplies")
    form.get_by_label("Quantity").fill("200")
    form.get_by_label("Unit").fill("reams")
    form.get_by_label("Budget (max, total)").fill("1250.50")
    form.get_by_label("Currency").select_option("EUR")
    form.get_by_label("Delivery region").fill("EU-DE")
    form.get_by_label("Bidding closes").fill("2031-03-10T14:30")
    form.get_by_label("Needed by").fill("2031-04-01T09:00")
    form.get_by_test_id("create-rfo").click()

    # Then it is in their list, money in major units, times local with the UTC value in the title
    row = page.get_by_test_id("rfo-row").filter(has_text=title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("€1,250.50")
    expect(row).to_contain_text("200 reams")
    expect(row.get_by_test_id("status")).to_have_text("OPEN")
    closes = row.locator("time")
    expect(closes).to_have_text("Mar 10, 2031, 2:30 PM")
    expect(closes).to_have_attribute("title", "2031-03-10T13:30:00Z (UTC)")
    expect(page.get_by_test_id("rfo-detail")).to_contain_text(title)

    # And the API holds minor units and UTC times
    rfo_id = row.get_attribute("data-id")
    rfo = api.call("GET", f"/v1/rfos/{rfo_id}", key=api_key)
    assert (rfo["budget_max"], rfo["currency"], rfo["quantity"]) == (125050, "EUR", 200)
    assert (rfo["expires_at"], rfo["need_by"]) == ("2031-03-10T13:30:00Z", "2031-04-01T07:00:00Z")

    # And the status filter narrows the list
    page.get_by_test_id("status-filter").select_option("CLOSED")
    expect(page.get_by_test_id("rfo-list").get_by_test_id("empty")).to_be_visible()
    page.get_by_test_id("status-filter").select_option("OPEN")
    expect(page.get_by_test_id("rfo-row").filter(has_text=title)).to_have_count(1)


def test_rfo_form_shows_errors_next_to_their_fields(page: Any, buyer: Any) -> None:
    page.goto("/")
    sign_in(page, buyer.key, "buyer")
    form = page.get_by_test_id("new-rfo-form")

    # A budget with too many decimals is caught before the request, next to the budget
    form.get_by_label("Title").fill("Desk lamps")
    form.get_by_label("Budget (max, total)").fill("12.345")
    form.get_by_label("Currency").select_option("USD")
    form.get_by_test_id("create-rfo").click()
    expect(form.get_by_test_id("error-budget_max")).to_contain_text("At most 2 decimal places")
    expect(form.get_by_label("Budget (max, total)")).to_have_attribute("aria-invalid", "true")

    # The API's field errors land next to the fields they name
    form.get_by_label("Budget (max, total)").fill("99")
    form.get_by_test_id("create-rfo").click()
    expect(form.get_by_test_id("form-error")).to_contain_text("validation_failed")
    expect(form.get_by_test_id("error-quantity")).to_contain_text("required")
    expect(form.get_by_test_id("error-category")).to_contain_text("invalid_format")
    expect(form.get_by_test_id("error-title")).to_be_hidden()

    # A deadline in the past is the server's call, shown next to "Bidding closes"
    form.get_by_label("Category").fill("lighting")
    form.get_by_label("Quantity").fill("10")
    form.get_by_label("Unit").fill("pcs")
    form.get_by_label("Delivery region").fill("US-CA")
    form.get_by_label("Bidding closes").fill("2020-01-01T10:00")
    form.get_by_test_id("create-rfo").click()
    expect(form.get_by_test_id("error-expires_at")).to_contain_text("in_past")
    expect(form.get_by_test_id("error-quantity")).to_be_hidden()
    expect(page.get_by_test_id("rfo-row").filter(has_text="Desk lamps")).to_have_count(0)
