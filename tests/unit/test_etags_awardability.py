"""Offer ETags and If-Match (pure), and the awardability layer on top of a version's order (issue 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intentbid.domain import scoring
from intentbid.domain.etags import if_match_tags, matches, offer_etag


def test_an_offer_etag_is_strong_and_changes_with_the_revision_only() -> None:
    tag = offer_etag("off_1", 1)
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert tag == offer_etag("off_1", 1) != offer_etag("off_1", 2) != offer_etag("off_2", 1)


def test_if_match_uses_strong_comparison() -> None:
    tag = offer_etag("off_1", 3)
    assert if_match_tags(None) is None and if_match_tags("  ") is None
    assert matches(if_match_tags(tag) or [], tag)
    assert matches(if_match_tags(f'"a", {tag}') or [], tag)
    assert matches(if_match_tags("*") or [], tag)
    assert not matches(if_match_tags("W/" + tag) or [], tag)
    assert not matches(if_match_tags(offer_etag("off_1", 2)) or [], tag)
    assert not matches(if_match_tags(tag.strip('"')) or [], tag)


def _scored(offer_id: str, score: str) -> scoring.Scored:
    t = datetime(2030, 1, 1, tzinfo=UTC)
    o = scoring.OfferInput(offer_id, "ven_1", 100, 1, t, t)
    return scoring.Scored(o, scoring.Decimal(score), {}, {}, {}, offer_id)


def test_not_awardable_offers_follow_every_awardable_one_each_group_in_score_order() -> None:
    ranked = [_scored("a", "0.9"), _scored("b", "0.8"), _scored("c", "0.7"), _scored("d", "0.6")]
    reasons = {"a": "offer_expired", "b": None, "c": "offer_expired", "d": None}
    out = scoring.awardable_first(ranked, reasons)
    assert [(s.offer.offer_id, r) for s, r in out] == [
        ("b", None),
        ("d", None),
        ("a", "offer_expired"),
        ("c", "offer_expired"),
    ]
    assert [s.score for s, _ in out] == [s.score for s in (ranked[1], ranked[3], ranked[0], ranked[2])]


def test_why_an_offer_is_not_awardable() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    soon, past = now + timedelta(seconds=1), now
    reason = scoring.not_awardable_reason
    assert reason("active", soon, now, rfo_expired=False) is None
    assert reason("active", past, now, rfo_expired=False) == "offer_expired"
    assert reason("active", soon, now, rfo_expired=True) == "rfo_expired"
    assert reason("won", past, now, rfo_expired=False) == "offer_won"
    assert reason("lost", soon, now, rfo_expired=True) == "offer_lost"
    assert set(scoring.NOT_AWARDABLE) == {"offer_won", "offer_lost", "offer_expired", "rfo_expired"}
