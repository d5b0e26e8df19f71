"""Signing in and out: a bad key shows the 401 problem; the key lives in sessionStorage only; admins."""

from __future__ import annotations

from typing import Any

import pytest
from dashboard_ui import sign_in, sign_out
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_a_bad_key_shows_the_401_problem(page: Any) -> None:
    page.goto("/")
    sign_in(page, "ib_live_thisKeyDoesNotExist000000000")

    alert = page.get_by_test_id("sign-in-form").get_by_test_id("form-error")
    expect(alert).to_contain_text("Send a valid API key")
    expect(alert).to_contain_text("(unauthenticated)")
    expect(page.get_by_test_id("me-kind")).to_have_count(0)
    assert page.evaluate("sessionStorage.getItem('intentbid.apiKey')") is None

    # An empty key never leaves the page
    sign_in(page, "")
    expect(page.get_by_test_id("sign-in-form").get_by_test_id("error-api_key")).to_contain_text("Enter your API key")


def test_session_survives_a_reload_and_sign_out_forgets_the_key(page: Any, vendor: Any) -> None:
    page.goto("/")
    sign_in(page, vendor.key, "vendor")

    page.reload()
    expect(page.get_by_test_id("me-id")).to_have_text(vendor.id)

    sign_out(page)
    assert page.evaluate("sessionStorage.length + localStorage.length") == 0
    page.reload()
    expect(page.get_by_test_id("sign-in-form")).to_be_visible()


def test_admin_sees_who_it_is_and_the_open_rfos(page: Any, api: Any, buyer: Any, runtime: Any) -> None:
    rfo = api.create_rfo(buyer, title='<img src=x onerror="window.pwned=1"> Safety boots')
    page.goto("/")
    sign_in(page, runtime.admin_key, "admin")

    expect(page.get_by_test_id("admin-me")).to_contain_text("admin")
    expect(page.get_by_test_id("status-filter")).to_have_value("OPEN")
    row = page.locator(f'[data-testid=rfo-row][data-id="{rfo["id"]}"]')
    expect(row.get_by_test_id("open-rfo")).to_have_text('<img src=x onerror="window.pwned=1"> Safety boots')
    expect(page.locator("main img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None
