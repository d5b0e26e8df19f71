"""Webhook delivery rules, pure: the retry schedule and its jitter, ``Retry-After``, the envelope every
receiver gets, the delivery id of an (event, endpoint) pair and the request headers of an attempt.

The schedule is Svix's (API.md "Delivery"): at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h - a setting
(``INTENTBID_WEBHOOK_RETRY_SCHEDULE``) so tests and ``make dev`` compress it. Entry ``n`` is the wait before
attempt ``n + 1``; after the last entry's attempt fails the delivery is ``dead``. A 429 or 503 with
``Retry-After`` waits what the receiver asked (at most :data:`MAX_WAIT_S`, SQS's longest visibility) instead.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from intentbid.domain import clock, webhook_signing
from intentbid.domain.ids import _encode

DEFAULT_SCHEDULE = "0,5,300,1800,7200,18000,36000,36000"
MAX_WAIT_S = 43_200  # SQS: a message's visibility can be set to at most 12 h
MAX_BODY_BYTES = 20 * 1024  # API.md: larger objects are sent thin
RETRY_AFTER_STATUSES = frozenset({429, 503})
GONE = 410
CONTENT_TYPE = "application/json"


def parse_schedule(text: str) -> tuple[int, ...]:
    """``"0,5,300"`` -> ``(0, 5, 300)``; ValueError unless whole seconds in 0..MAX_WAIT_S, at least one."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise ValueError("the retry schedule needs at least one entry")
    out = []
    for p in parts:
        if not p.isdigit() or int(p) > MAX_WAIT_S:
            raise ValueError(f"each entry is whole seconds 0..{MAX_WAIT_S}, got {p!r}")
        out.append(int(p))
    return tuple(out)


def jittered(seconds: float, jitter_pct: int, rng: random.Random | None = None) -> int:
    """``seconds`` moved by up to ``jitter_pct`` percent either way (whole seconds, never below 0; 0 stays 0),
    so endpoints that failed together do not all come back in the same second."""
    if seconds <= 0:
        return 0
    spread = seconds * jitter_pct / 100
    r = (rng or random).uniform(-spread, spread)
    return max(0, min(MAX_WAIT_S, round(seconds + r)))


def retry_after_s(value: str | None, now: datetime | None = None) -> int | None:
    """A ``Retry-After`` header (delay-seconds or an HTTP date) as whole seconds from now, at most
    :data:`MAX_WAIT_S`; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return min(int(text), MAX_WAIT_S)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    seconds = (when - (now or clock.now())).total_seconds()
    return max(0, min(MAX_WAIT_S, int(seconds + 0.999)))


def next_wait(
    attempts_made: int,
    schedule: Sequence[int],
    *,
    status: int | None = None,
    retry_after: str | None = None,
    jitter_pct: int = 0,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> int | None:
    """Seconds to wait before the next attempt after ``attempts_made`` attempts (the last one failed), or None
    when the schedule is spent (the delivery is dead). ``schedule[0]`` is the first attempt's delay (normally
    0, at once), so after ``n`` attempts the next waits ``schedule[n]``."""
    if attempts_made >= len(schedule):
        return None
    if status in RETRY_AFTER_STATUSES:
        asked = retry_after_s(retry_after, now)
        if asked is not None:
            return asked
    return jittered(schedule[attempts_made], jitter_pct, rng)


def delivery_id(event_id: str, webhook_id: str, event_ms: int) -> str:
    """The one delivery of an event to an endpoint: ``dlv_`` + a ULID whose time is the event's and whose
    random part is a hash of the pair, so a re-dispatched event lands on the same delivery record (and the
    ids sort by event time)."""
    digest = int.from_bytes(hashlib.sha256(f"{event_id}/{webhook_id}".encode()).digest()[:10], "big")
    return f"dlv_{_encode(event_ms, 10)}{_encode(digest, 16)}"


def delivery_id_bound(event_ms: int, *, low: bool) -> str:
    """The lowest (or highest) delivery id of events at ``event_ms``: a window of events is a key range."""
    return f"dlv_{_encode(event_ms, 10)}{('0' if low else 'Z') * 16}"


def envelope(
    event_id: str, event_type: str, created_at: str, livemode: bool, obj: Mapping[str, Any], url: str | None = None
) -> bytes:
    """The body of a delivery (API.md): ``{id, type, created_at, livemode, data: {object}}``, compact JSON. An
    object that would make it larger than 20 KB is sent thin: ``{id, object}`` plus ``url`` to fetch it."""

    def dump(o: Mapping[str, Any]) -> bytes:
        body = {"id": event_id, "type": event_type, "created_at": created_at, "livemode": livemode, "data": o}
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode()

    out = dump({"object": dict(obj)})
    if len(out) <= MAX_BODY_BYTES:
        return out
    thin: dict[str, Any] = {"id": obj.get("id"), "object": obj.get("object")}
    return dump({"object": thin, "url": url})


def request_headers(
    event_id: str, timestamp: int, body: bytes, secrets: Sequence[str], correlation_id: str | None
) -> dict[str, str]:
    """Every header of an attempt but those the guard adds (Host, User-Agent, Content-Length): the Standard
    Webhooks trio (``webhook-id`` = the event id, the same on every retry), the content type and the
    originating request's correlation id."""
    out = {**webhook_signing.headers(event_id, timestamp, body, secrets), "content-type": CONTENT_TYPE}
    if correlation_id:
        out["x-correlation-id"] = correlation_id
    return out
