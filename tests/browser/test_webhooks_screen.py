"""The webhooks screen: add an endpoint (a refused URL named at its field; the signing secret shown once),
edit it, disable and re-enable it, rotate its secret with a grace period, delete it; each step checked against
the API. Each endpoint's last delivery (status, response code, latency, when) at a glance. A key without
``webhooks:manage`` sees no webhooks section."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from dashboard_ui import WEBHOOKS_SCREENSHOT, row, sign_in
from playwright.sync_api import expect

from intentbid_local.webhook_receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

URL = "https://hooks.northwind.example/intentbid"


def test_vendor_adds_edits_disables_rotates_and_deletes_an_endpoint(page: Any, api: Any) -> None:
    vendor = api.register("vendor")
    page.goto("/")
    sign_in(page, vendor.key, "vendor")
    page.get_by_test_id("tab-webhooks").click()
    expect(page.get_by_test_id("webhooks-view").get_by_test_id("empty")).to_be_visible()

    # A private address is refused, named next to the URL; nothing is created
    form = page.get_by_test_id("new-webhook-form")
    form.get_by_label("URL").fill("https://10.0.0.5/hook")
    form.get_by_test_id("save-webhook").click()
    expect(form.get_by_test_id("error-url")).to_contain_text("private")
    assert api.call("GET", "/v1/webhooks", key=vendor.key)["data"] == []

    # Chosen event types only (the vendor's catalog: no buyer-only type is offered)
    form.get_by_label("URL").fill(URL)
    form.get_by_test_id("events-every").uncheck()
    offered = form.locator("input[name=events]").evaluate_all("els => els.map(e => e.value)")
    assert "offer.won" in offered and "offer.submitted" not in offered
    form.get_by_test_id("events-rfo.created").check()
    form.get_by_test_id("events-offer.won").check()
    form.get_by_label("Description (optional)").fill("ERP inbox")
    form.get_by_test_id("save-webhook").click()

    secret_box = page.get_by_test_id("webhook-secret")
    expect(secret_box).to_have_value(re.compile(r"^whsec_[A-Za-z0-9+/=]+$"))
    secret = secret_box.input_value()
    (hook,) = api.call("GET", "/v1/webhooks", key=vendor.key)["data"]
    assert (hook["url"], hook["events"], hook["description"]) == (URL, ["rfo.created", "offer.won"], "ERP inbox")
    listed = row(page, "webhook-row", hook["id"])
    expect(listed.get_by_test_id("webhook-url")).to_have_text(URL)
    expect(listed.get_by_test_id("webhook-events").locator("li")).to_have_text(["rfo.created", "offer.won"])
    page.get_by_text("I have stored it").click()
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)
    assert secret not in page.content()  # shown once: gone from the page, never in the list

    # Edit: every event type, a new description
    listed.get_by_test_id("edit-webhook").click()
    edit = page.get_by_test_id("edit-webhook-form")
    edit.get_by_test_id("events-every").check()
    edit.get_by_label("Description (optional)").fill("ERP inbox (all)")
    edit.get_by_test_id("save-webhook").click()
    expect(listed.get_by_test_id("webhook-events").locator("li")).to_have_text(["every event"])
    got = api.call("GET", f"/v1/webhooks/{hook['id']}", key=vendor.key)
    assert (got["events"], got["description"]) == (["*"], "ERP inbox (all)")

    # Disable, then enable again
    listed.get_by_test_id("toggle-webhook").click()
    expect(listed.get_by_test_id("status")).to_have_text("disabled")
    assert api.call("GET", f"/v1/webhooks/{hook['id']}", key=vendor.key)["status"] == "disabled"
    listed.get_by_test_id("toggle-webhook").click()
    expect(listed.get_by_test_id("status")).to_have_text("enabled")
    assert api.call("GET", f"/v1/webhooks/{hook['id']}", key=vendor.key)["status"] == "enabled"

    # Rotate with a one-hour grace: a new secret, once; the old one signs until the grace ends
    listed.get_by_test_id("rotate-webhook").click()
    rotate = page.get_by_test_id("rotate-webhook-form")
    rotate.get_by_label("Grace period (seconds)").fill("3600")
    rotate.get_by_test_id("confirm-rotate-webhook").click()
    expect(page.get_by_test_id("webhook-secret")).to_have_value(re.compile(r"^whsec_"))
    assert page.get_by_test_id("webhook-secret").input_value() != secret
    expect(page.get_by_test_id("webhook-secret-note")).to_contain_text("also signs for 1 h 0 min")
    expect(listed.get_by_test_id("webhook-grace")).to_be_visible()
    page.screenshot(path=str(WEBHOOKS_SCREENSHOT), full_page=True)
    assert api.call("GET", f"/v1/webhooks/{hook['id']}", key=vendor.key)["previous_secret_expires_at"]

    # Delete (armed, then confirmed): gone from the list and from the API
    listed.get_by_test_id("delete-webhook").click()
    listed.get_by_test_id("delete-webhook").click()
    expect(page.get_by_test_id("webhook-row")).to_have_count(0)
    assert api.status("GET", f"/v1/webhooks/{hook['id']}", key=vendor.key)[0] == 404


def test_a_key_without_webhooks_manage_sees_no_webhooks_section(page: Any, api: Any) -> None:
    buyer = api.register("buyer")
    narrow = api.call(
        "POST", f"/v1/buyers/{buyer.id}/keys", {"name": "reader", "scopes": ["rfos:read"]}, key=buyer.key, expect=201
    )["api_key"]
    page.goto("/")
    sign_in(page, narrow, "buyer")
    expect(page.get_by_test_id("tab-rfos")).to_be_visible()
    expect(page.get_by_test_id("tab-webhooks")).to_have_count(0)
    page.get_by_test_id("sign-out").click()
    sign_in(page, buyer.key, "buyer")
    expect(page.get_by_test_id("tab-webhooks")).to_be_visible()


def test_the_last_delivery_of_each_endpoint_at_a_glance(page: Any, api: Any) -> None:
    """Two endpoints on a real local receiver: one answers 200, one 500; after a test event to each, the list
    shows each one's last delivery - status, response code, latency, event and when - as the API reports it."""
    vendor = api.register("vendor")
    with Receiver() as rx:
        rx.script("/ok", then=200)
        rx.script("/broken", then=500)
        # Subscribed to an event this test never causes: the registration's own key.created, dispatched after
        # the endpoints exist, must not be their first delivery (a test event is sent whatever the subscription).
        only = {"events": ["offer.won"]}
        ok = api.call("POST", "/v1/webhooks", {"url": rx.url("/ok"), **only}, key=vendor.key, expect=201)
        broken = api.call("POST", "/v1/webhooks", {"url": rx.url("/broken"), **only}, key=vendor.key, expect=201)
        page.goto("/")
        sign_in(page, vendor.key, "vendor")
        page.get_by_test_id("tab-webhooks").click()
        for hook in (ok, broken):
            expect(row(page, "webhook-row", hook["webhook"]["id"]).get_by_test_id("last-delivery")).to_have_text(
                "none yet"
            )
            api.call("POST", f"/v1/webhooks/{hook['webhook']['id']}/test", {}, key=vendor.key, expect=202)
        rx.wait_for(lambda got: {r.path for r in got} == {"/ok", "/broken"}, timeout=20)

        def settled(webhook_id: str) -> dict[str, Any]:
            deadline = time.monotonic() + 20
            while True:
                last = api.call("GET", f"/v1/webhooks/{webhook_id}", key=vendor.key)["last_delivery"]
                if last and last["status"] != "pending":
                    return dict(last)
                assert time.monotonic() < deadline, last
                time.sleep(0.2)

        lasts = {name: settled(h["webhook"]["id"]) for name, h in (("ok", ok), ("broken", broken))}
        assert (lasts["ok"]["status"], lasts["ok"]["response_status"]) == ("succeeded", 200)
        assert (lasts["broken"]["status"], lasts["broken"]["response_status"]) == ("failed", 500)
        page.get_by_test_id("refresh-webhooks").click()
        for name, hook in (("ok", ok), ("broken", broken)):
            cell = row(page, "webhook-row", hook["webhook"]["id"]).get_by_test_id("last-delivery")
            expect(cell.get_by_test_id("last-delivery-status")).to_have_text(lasts[name]["status"])
            expect(cell.get_by_test_id("last-delivery-answer")).to_have_text(
                f"HTTP {lasts[name]['response_status']} · {lasts[name]['response_ms']} ms"
            )
            expect(cell.get_by_test_id("last-delivery-event")).to_contain_text("webhook.test")
            expect(cell.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
