"""Entity tags of offers (RFC 9110 §8.8.3) and ``If-Match`` evaluation: pure, no HTTP framework.

An offer's ETag is strong and derived from its id and revision only, so it changes exactly when the offer's
terms do (every revision bumps ``revision``; withdraw, win and lose change the status, which the award checks
on its own). A buyer who awards with ``If-Match: <etag>`` (or ``offer_revision``) pins the terms it decided on.
"""

from __future__ import annotations

import hashlib


def offer_etag(offer_id: str, revision: int) -> str:
    """The strong ETag (quoted) of ``offer_id`` at ``revision``."""
    digest = hashlib.sha256(f"offer:{offer_id}:{int(revision)}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def if_match_tags(header: str | None) -> list[str] | None:
    """The entity tags of an ``If-Match`` field value: None when absent or empty (no precondition), ``["*"]``
    for the wildcard. Weak tags (``W/"..."``) are kept as sent: strong comparison never matches them."""
    if header is None or not header.strip():
        return None
    return [t.strip() for t in header.split(",") if t.strip()]


def matches(tags: list[str], etag: str) -> bool:
    """Strong comparison (If-Match): ``*`` or an identical strong tag."""
    return any(t == "*" or (t == etag and not t.startswith("W/")) for t in tags)
