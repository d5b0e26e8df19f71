"""The keys screen: create a key with scopes and an IP allowlist (the secret shown once), edit it, rotate it
with a grace period (the new secret shown once), revoke it; each step checked against the API with the key."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dashboard_ui import KEYS_SCREENSHOT, row, sign_in
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

# The scopes of each principal kind (API.md): the only ones the create form offers a full key.
KIND_SCOPES = {
    "buyer": ["keys:manage", "offers:read", "rfos:read", "rfos:write", "webhooks:manage"],
    "vendor": [
        "billing:manage",
        "billing:read",
        "keys:manage",
        "offers:read",
        "offers:write",
        "profile:manage",
        "rfos:read",
        "webhooks:manage",
    ],
}


def test_buyer_creates_edits_rotates_and_revokes_a_key(page: Any, api: Any) -> None:
    buyer = api.register("buyer")  # its own: this test changes the account's keys
    page.goto("/")
    sign_in(page, buyer.key, "buyer")
    page.get_by_test_id("tab-keys").click()

    # The registration key is listed, marked as this session's, without its secret
    keys = page.get_by_test_id("key-row")
    expect(keys).to_have_count(1)
    expect(keys.first.get_by_test_id("key-session")).to_be_visible()
    expect(keys.first.get_by_test_id("key-mask")).to_have_text(f"ib_live_…{buyer.key[-4:]}")
    assert buyer.key not in page.content()

    # Create: only the kind's scopes are offered; an invalid CIDR is named next to the allowlist
    form = page.get_by_test_id("new-key-form")
    offered = form.locator("input[name=scopes]")
    expect(offered).to_have_count(5)
    assert sorted(offered.evaluate_all("els => els.map(e => e.value)")) == KIND_SCOPES["buyer"]
    form.get_by_label("Name").fill("ERP sync")
    for scope in ("keys:manage", "rfos:write", "webhooks:manage"):
        form.get_by_test_id(f"scopes-{scope}").uncheck()
    allowlist = form.get_by_label("IP allowlist (optional)")
    allowlist.fill("203.0.113.0/24\n\n10.0.0.300\n2001:db8::/32")
    form.get_by_test_id("create-key").click()
    expect(form.get_by_test_id("error-ip_allowlist")).to_contain_text("“10.0.0.300”")
    expect(form.get_by_test_id("error-ip_allowlist")).to_contain_text("invalid_cidr")
    expect(allowlist).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("key-once")).to_have_count(0)

    allowlist.fill("203.0.113.0/24\n2001:db8::/32")
    form.get_by_test_id("create-key").click()

    # The secret is shown once, with a warning and a copy button
    secret_box = page.get_by_test_id("new-api-key")
    expect(secret_box).to_have_value(re.compile(r"^ib_live_\w+$"))
    secret = secret_box.input_value()
    expect(page.get_by_test_id("key-once")).to_contain_text("New key “ERP sync”")
    expect(page.get_by_test_id("key-warning")).to_contain_text("shown only once")
    expect(page.get_by_test_id("copy-key")).to_be_visible()
    expect(form.get_by_test_id("error-ip_allowlist")).to_be_hidden()

    # The list shows it: prefix…last4, the chosen scopes and allowlist, never used
    expect(keys).to_have_count(2)
    listed = api.call("GET", f"/v1/buyers/{buyer.id}/keys", key=buyer.key)["data"]
    key_id = next(k["id"] for k in listed if k["last4"] == secret[-4:])
    created = row(page, "key-row", key_id)
    expect(created.get_by_test_id("key-name")).to_have_text("ERP sync")
    expect(created.get_by_test_id("key-mask")).to_have_text(f"ib_live_…{secret[-4:]}")
    expect(created.get_by_test_id("status")).to_have_text("active")
    expect(created.get_by_test_id("key-scopes").locator("li")).to_have_text(["offers:read", "rfos:read"])
    expect(created.get_by_test_id("key-allowlist").locator("li")).to_have_text(["203.0.113.0/24", "2001:db8::/32"])
    expect(created.get_by_test_id("key-last-used")).to_have_text("never")

    # The allowlist is enforced: this machine (127.0.0.1) is not on it
    status, _, problem = api.status("GET", "/v1/me", key=secret)
    assert (status, problem["code"]) == (403, "ip_not_allowed")

    # Dismissed, the secret is gone from the page for good
    page.get_by_test_id("dismiss-key").click()
    expect(page.get_by_test_id("key-once")).to_have_count(0)
    page.get_by_test_id("refresh-keys").click()
    expect(keys).to_have_count(2)
    assert secret not in page.content()

    # Edit: rename, narrow the scopes, allow this machine
    created.get_by_test_id("edit-key").click()
    edit = page.get_by_test_id("edit-key-form")
    expect(edit.locator("input[name=scopes]")).to_have_count(2)  # only its own scopes: narrowing only
    edit.get_by_label("Name").fill("ERP sync (read-only)")
    edit.get_by_test_id("scopes-offers:read").uncheck()
    edit.get_by_label("IP allowlist").fill("127.0.0.1\n::1")
    edit.get_by_test_id("save-key").click()
    expect(created.get_by_test_id("key-name")).to_have_text("ERP sync (read-only)")
    expect(created.get_by_test_id("key-scopes").locator("li")).to_have_text(["rfos:read"])
    expect(created.get_by_test_id("key-allowlist").locator("li")).to_have_text(["127.0.0.1/32", "::1/128"])
    me = api.call("GET", "/v1/me", key=secret)
    assert me["scopes"] == ["rfos:read"]
    status, _, problem = api.status("POST", "/v1/rfos", {}, key=secret)
    assert (status, problem["code"]) == (403, "insufficient_scope")
    page.get_by_test_id("refresh-keys").click()
    expect(created.get_by_test_id("key-last-used")).not_to_have_text("never")

    # Rotate with a one-minute grace: the new secret is shown once; both keys work meanwhile
    created.get_by_test_id("rotate-key").click()
    rotate = page.get_by_test_id("rotate-form")
    grace = rotate.get_by_label("Grace period (seconds)")
    expect(grace).to_have_value("86400")
    grace.fill("60")
    rotate.get_by_test_id("confirm-rotate").click()
    expect(page.get_by_test_id("key-note")).to_contain_text(f"…{secret[-4:]} keeps working for 60 s")
    new_secret = page.get_by_test_id("new-api-key").input_value()
    assert new_secret.startswith("ib_live_") and new_secret != secret
    new_me = api.call("GET", "/v1/me", key=new_secret)
    assert new_me["scopes"] == ["rfos:read"] and new_me["key_id"] != key_id
    assert api.call("GET", "/v1/me", key=secret)["key_id"] == key_id  # still in its grace period
    expect(keys).to_have_count(3)
    expect(created.get_by_test_id("key-expires")).not_to_have_text("never")
    rotated = row(page, "key-row", new_me["key_id"])
    expect(rotated.get_by_test_id("key-name")).to_have_text("ERP sync (read-only)")
    expect(rotated.get_by_test_id("key-allowlist").locator("li")).to_have_text(["127.0.0.1/32", "::1/128"])
    page.screenshot(path=str(KEYS_SCREENSHOT), full_page=True)
    page.get_by_test_id("dismiss-key").click()

    # Revoke needs a confirming second click; the key stops working at once
    revoke = rotated.get_by_test_id("revoke-key")
    revoke.click()
    expect(revoke).to_have_text("Confirm revoke")
    revoke.click()
    expect(rotated.get_by_test_id("status")).to_have_text("revoked")
    expect(rotated.get_by_test_id("key-revoked")).to_be_visible()
    expect(rotated.get_by_test_id("revoke-key")).to_have_count(0)
    status, _, problem = api.status("GET", "/v1/me", key=new_secret)
    assert (status, problem["code"]) == (401, "key_revoked")
    expect(page.get_by_test_id("notice")).to_contain_text("revoked")
    assert new_secret not in page.content()


@pytest.mark.parametrize("kind", ["buyer", "vendor"])
def test_revoking_the_session_key_signs_out_and_says_why(page: Any, api: Any, kind: str) -> None:
    account = api.register(kind)
    page.goto("/#keys")
    sign_in(page, account.key, kind)
    expect(page.get_by_test_id("tab-keys")).to_have_attribute("aria-selected", "true")  # the tab is in the URL
    offered = page.get_by_test_id("new-key-form").locator("input[name=scopes]")
    expect(offered).to_have_count(len(KIND_SCOPES[kind]))
    assert sorted(offered.evaluate_all("els => els.map(e => e.value)")) == KIND_SCOPES[kind]

    mine = row(page, "key-row", api.call("GET", "/v1/me", key=account.key)["key_id"])
    revoke = mine.get_by_test_id("revoke-key")
    revoke.click()
    expect(revoke).to_have_text("Confirm: revoke this session's key")
    revoke.click()

    alert = page.get_by_test_id("sign-in-form").get_by_test_id("form-error")
    expect(alert).to_contain_text("(key_revoked)")
    assert page.evaluate("sessionStorage.length") == 0
