"""``make demo``'s round raises no suspicious-activity flag (issue 11, item 4): its RFO had a 60 s bidding window,
so every demo vendor's offer landed in ``last_second_submission``'s last 60 s and greeted a new admin with false
alarms. The round's RFO and offers, run through every detector the dispatcher runs, with offers made up to ten
minutes into the round (a slow machine), give none."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from intentbid.config import FlagPolicy
from intentbid.domain import flags
from intentbid_local import demo
from intentbid_local.timefmt import parse_rfc3339


@pytest.mark.parametrize("delay_s", [0, 5, 60, 600])
def test_the_demo_round_raises_no_flag(delay_s: int) -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    rfo = demo.round_rfo(now)
    window = flags.RfoWindow("rfo_demo", now, parse_rfc3339(rfo["expires_at"]))
    submitted = now + timedelta(seconds=delay_s)
    samples = [
        flags.OfferSample(
            f"off_{i}",
            f"ven_{i}",
            "rfo_demo",
            price,
            demo.round_offer(now, price, eta)["quantity_available"],
            submitted + timedelta(days=eta),
            submitted,
        )
        for i, (_name, price, eta) in enumerate(demo.VENDORS)
    ]
    assert flags.evaluate(window, samples, [], [], FlagPolicy()) == []


def test_sign_in_help_prints_local_demo_keys_only_for_a_lasting_local_runtime() -> None:
    users = [("buyer", "Acme Procurement", "ib_live_b"), ("vendor", "Northwind Seating", "ib_live_v")]
    out = io.StringIO()
    demo.sign_in_help(out, "http://127.0.0.1:8080", users, lasting=True)
    assert "LOCAL DEMO KEYS" in out.getvalue() and "ib_live_b" in out.getvalue() and "ib_live_v" in out.getvalue()
    for url, lasting in (("http://127.0.0.1:8080", False), ("https://api.example.com", True)):
        out = io.StringIO()
        demo.sign_in_help(out, url, users, lasting=lasting)
        assert "ib_live_" not in out.getvalue()
