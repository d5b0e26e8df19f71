from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from intentbid.domain import clock, ids, keys


def test_ids_are_prefixed_sortable_and_validated() -> None:
    a = ids.new_id("rfo", at_ms=1_000)
    b = ids.new_id("rfo", at_ms=2_000)
    assert a.startswith("rfo_") and len(a) == 30
    assert a < b  # creation order is lexicographic order
    assert ids.is_id(a, "rfo") and not ids.is_id(a, "off")
    for bad in ("rfo_", "rfo_../../etc", "rfo_" + "I" * 26, "RFO_" + a[4:], "rfo_01Ö" + a[7:], 42, None):
        assert not ids.is_id(bad, "rfo")
    with pytest.raises(ValueError):
        ids.new_id("xyz")


def test_keys_are_random_hashed_and_shown_by_prefix_and_last4() -> None:
    k = keys.generate("live")
    assert keys.KEY_RE.match(k) and k.startswith("ib_live_")
    assert keys.generate("test").startswith("ib_test_")
    assert keys.generate() != keys.generate()
    assert keys.hash_key(k) == hashlib.sha256(k.encode()).hexdigest()
    assert keys.display_parts(k) == ("ib_live_", k[-4:])
    assert keys.environment_of(k) == "live"
    assert keys.environment_of("ib_live_short") is None
    assert keys.environment_of("Bearer " + k) is None


def test_clock_is_controllable_and_rfc3339_is_utc() -> None:
    clock.set_clock(lambda: 86_400.5)
    try:
        assert clock.now() == datetime(1970, 1, 2, 0, 0, 0, 500_000, tzinfo=UTC)
        assert clock.to_rfc3339(clock.now()) == "1970-01-02T00:00:00.500000Z"
    finally:
        clock.set_clock(None)
    assert clock.to_rfc3339(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"
    assert clock.parse_rfc3339("2026-01-01T02:00:00+02:00") == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        clock.parse_rfc3339("2026-01-01T00:00:00")
