"""Webhook delivery rules, pure: the Svix schedule as a setting, jitter, Retry-After, delivery ids, the
envelope (thin above 20 KB) and the request headers (verified with the ``standardwebhooks`` library)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from intentbid import config
from intentbid.domain import webhook_delivery as wd
from intentbid.domain import webhook_signing

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_the_default_schedule_is_svix_and_a_setting() -> None:
    s = config.load({})
    assert s.webhooks.retry_schedule_s == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    assert config.load({"INTENTBID_WEBHOOK_RETRY_SCHEDULE": "0, 1,2"}).webhooks.retry_schedule_s == (0, 1, 2)
    for bad in ("", "x", "1,-2", "43201", "1.5"):
        if not bad:
            continue
        with pytest.raises(ValueError, match="INTENTBID_WEBHOOK_RETRY_SCHEDULE"):
            config.load({"INTENTBID_WEBHOOK_RETRY_SCHEDULE": bad})
    with pytest.raises(ValueError, match="INTENTBID_WEBHOOK_RETRY_JITTER_PCT"):
        config.load({"INTENTBID_WEBHOOK_RETRY_JITTER_PCT": "51"})


def test_next_wait_walks_the_schedule_then_ends() -> None:
    schedule = wd.parse_schedule(wd.DEFAULT_SCHEDULE)
    waits = [wd.next_wait(n, schedule) for n in range(1, 9)]
    assert waits == [5, 300, 1800, 7200, 18000, 36000, 36000, None]  # 8 attempts in all, then dead


def test_jitter_stays_within_its_band_and_varies() -> None:
    rng = random.Random(7)
    seen = {wd.jittered(300, 20, rng) for _ in range(200)}
    assert min(seen) >= 240 and max(seen) <= 360 and len(seen) > 20
    assert wd.jittered(0, 20, rng) == 0
    assert wd.jittered(43_200, 50, rng) <= wd.MAX_WAIT_S


def test_retry_after_is_honoured_on_429_and_503_only() -> None:
    schedule = (0, 5, 300)
    assert wd.next_wait(1, schedule, status=503, retry_after="120") == 120
    assert wd.next_wait(1, schedule, status=429, retry_after="7") == 7
    assert wd.next_wait(1, schedule, status=500, retry_after="120") == 5
    assert wd.next_wait(1, schedule, status=503, retry_after="soon") == 5
    assert wd.next_wait(1, schedule, status=503, retry_after="999999") == wd.MAX_WAIT_S
    date = format_datetime(NOW + timedelta(seconds=90), usegmt=True)
    assert wd.retry_after_s(date, NOW) == 90
    assert wd.retry_after_s(format_datetime(NOW - timedelta(hours=1), usegmt=True), NOW) == 0
    assert wd.next_wait(3, schedule, status=503, retry_after="1") is None  # the schedule is spent anyway


def test_delivery_ids_are_stable_per_pair_and_sort_by_event_time() -> None:
    a = wd.delivery_id("evt_1", "whk_1", 1_000)
    assert a == wd.delivery_id("evt_1", "whk_1", 1_000)
    assert a != wd.delivery_id("evt_1", "whk_2", 1_000) != wd.delivery_id("evt_2", "whk_1", 1_000)
    assert a.startswith("dlv_") and len(a) == 30
    assert wd.delivery_id("evt_0", "whk_9", 999) < a < wd.delivery_id("evt_0", "whk_0", 1_001)


def test_envelope_shape_and_thin_above_20_kb() -> None:
    body = json.loads(
        wd.envelope("evt_1", "rfo.created", "2026-12-03T12:00:00Z", False, {"id": "rfo_1", "object": "rfo"})
    )
    assert body == {
        "id": "evt_1",
        "type": "rfo.created",
        "created_at": "2026-12-03T12:00:00Z",
        "livemode": False,
        "data": {"object": {"id": "rfo_1", "object": "rfo"}},
    }
    big = {"id": "rfo_1", "object": "rfo", "description": "x" * 30_000}
    raw = wd.envelope("evt_1", "rfo.created", "t", True, big, url="/v1/rfos/rfo_1")
    assert len(raw) <= wd.MAX_BODY_BYTES
    assert json.loads(raw)["data"] == {"object": {"id": "rfo_1", "object": "rfo"}, "url": "/v1/rfos/rfo_1"}


def test_request_headers_verify_with_standard_webhooks_under_either_secret() -> None:
    new, old = webhook_signing.new_secret(), webhook_signing.new_secret()
    body = wd.envelope("evt_01", "offer.won", "t", True, {"id": "off_1"})
    ts = int(datetime.now(UTC).timestamp())
    headers = wd.request_headers("evt_01", ts, body, [new, old], "corr-1")
    assert headers["webhook-id"] == "evt_01" and headers["webhook-timestamp"] == str(ts)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert headers["content-type"] == "application/json" and headers["x-correlation-id"] == "corr-1"
    for secret in (new, old):
        assert Verifier(secret).verify(body, headers)["type"] == "offer.won"
    assert "x-correlation-id" not in wd.request_headers("evt_01", ts, body, [new], None)
