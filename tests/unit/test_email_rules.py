"""Notification email rules and templates (intentbid.domain.email): what may be emailed, the defaults, and the
messages (plain text + HTML with the same facts, escaped, bounded, never a secret)."""

from __future__ import annotations

import pytest

from intentbid.domain import email, events
from intentbid.domain.errors import ValidationFailed


def test_emailable_types_follow_the_catalog_without_rfo_created_and_webhook_test() -> None:
    for kind in ("vendor", "buyer"):
        allowed = email.emailable(kind)
        assert "rfo.created" not in allowed and "webhook.test" not in allowed
        assert set(allowed) == set(events.available_to(kind)) - {"rfo.created", "webhook.test"}
    assert "offer.won" in email.emailable("vendor") and "offer.won" not in email.emailable("buyer")


def test_defaults_cover_what_must_not_be_missed() -> None:
    assert email.defaults("vendor") == ["offer.won", "webhook.disabled", "billing.payment_failed"]
    assert email.defaults("buyer") == ["webhook.disabled"]
    assert email.wants(None, "vendor", "offer.won")  # never set: the defaults
    assert not email.wants(None, "vendor", "offer.lost")
    assert not email.wants([], "vendor", "offer.won")  # opted out of everything
    assert not email.wants(["rfo.created"], "vendor", "rfo.created")  # never emailed, even if stored


def test_email_events_are_stored_deduplicated_in_catalog_order() -> None:
    assert email.email_events("vendor", ["offer.lost", "offer.won", "offer.won"]) == ["offer.won", "offer.lost"]
    assert email.email_events("buyer", []) == []


@pytest.mark.parametrize(
    ("kind", "requested", "code"),
    [
        ("vendor", ["rfo.created"], "event_not_emailed"),
        ("buyer", ["webhook.test"], "event_not_emailed"),
        ("vendor", ["*"], "event_not_emailed"),
        ("vendor", ["offer.nope"], "unknown_event_type"),
        ("buyer", ["offer.won"], "event_not_available"),
        ("buyer", ["billing.payment_failed"], "event_not_available"),
        ("vendor", ["vendor.flagged"], "event_not_available"),
    ],
)
def test_each_refused_entry_is_named(kind: str, requested: list[str], code: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        email.email_events(kind, ["offer.won", *requested] if kind == "vendor" else requested)
    (only,) = err.value.errors
    assert only.code == code and only.field.startswith("email_events[")


def test_offer_won_template_has_text_and_html_with_the_same_facts() -> None:
    m = email.render("offer.won", "evt_1", {"id": "off_1", "object": "offer", "rfo_id": "rfo_1"}, "Acme")
    assert "rfo_1" in m.subject
    for part in (m.text, m.html):
        assert "off_1" in part and "rfo_1" in part and "evt_1" in part
    assert m.html.startswith("<!doctype html>") and "<table>" in m.html
    assert "<" not in m.text


def test_webhook_disabled_and_payment_failed_templates() -> None:
    hook = {"id": "wh_1", "url": "https://h.example/in", "disabled_reason": "failing", "secret": "whsec_SECRET"}
    m = email.render("webhook.disabled", "evt_2", hook)
    assert "https://h.example/in" in m.subject and "5 days" in m.text and "recover" in m.text
    assert "whsec_SECRET" not in m.text + m.html + m.subject  # only the fields the template names
    p = email.render("billing.payment_failed", "evt_3", {"plan": "pro", "amount": 4900, "currency": "usd"})
    assert "payment failed" in p.subject and "pro" in p.text and "4900 usd" in p.html


def test_generic_fallback_and_escaping_and_bounds() -> None:
    hostile = {"id": "<script>alert(1)</script>", "object": "rfo", "status": "x" * 5000}
    m = email.render("rfo.awarded", "evt_4", hostile, "<b>Name</b>")
    assert m.subject == "IntentBid: rfo.awarded"
    assert "<script>" not in m.html and "&lt;script&gt;" in m.html
    assert len(m.text) < 2_000 and len(m.html) < 3_000  # values shortened
