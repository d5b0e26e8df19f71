"""The store port on DynamoDB: every condition and update action of the RFO and offer changes lives here.

Each verb is one transaction: the item(s) under their guards, then the change's audit entry and outbox event
(:func:`intentbid.store.tx.transaction`). Reads delegate to :mod:`intentbid.store.rfos` and
:mod:`intentbid.store.offers`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from intentbid.domain.lifecycle import AWARDED, CLOSED, DELETED, EXPIRED, OPEN
from intentbid.store import offers, outbox, rfos
from intentbid.store.models.offers import OfferModel
from intentbid.store.models.outbox import OutboxModel
from intentbid.store.models.rfos import RfoModel
from intentbid.store.port import Change, Offer, OfferRevision, RankedOffer, Rfo

if TYPE_CHECKING:
    from intentbid.domain.limits import CounterLimit

# A transaction holds at most 100 items. The award's: RFO, winner, audit, rfo.awarded, offer.won and the sweep
# event, then each loser with its offer.lost event; the rest are marked in batches by the sweep
# (services.losers). Until then readers derive "lost" from the RFO (views.offer_status).
MAX_LOSERS_IN_TX = (100 - 6) // 2
# The internal event that drives the sweep (not a customer notification: webhooks skip it).
LOSERS_PENDING = "rfo.losers_pending"
# The internal event that drives the recompute of stored scores after a weights change (services.scores;
# not in the customer event catalog either).
RANKING_PENDING = "rfo.ranking_pending"
SCORE_FIELDS = ("score", "score_detail", "score_generation", "rank_key")


def _rfo(r: Rfo) -> RfoModel:
    return cast(RfoModel, r)


def _offer(o: Offer) -> OfferModel:
    return cast(OfferModel, o)


def _buyer_guard(rfo: Rfo, now: datetime) -> Condition:
    """The write condition every buyer transition shares: unchanged status, not deleted, deadline ahead
    (the version condition is added by PynamoDB's VersionAttribute)."""
    return (RfoModel.status == rfo.status) & RfoModel.deleted_at.does_not_exist() & (RfoModel.expires_at > now)


def _status_values(rfo: Rfo, status: str, reason: str | None, now: datetime) -> dict[str, Any]:
    """A transition's new attribute values (None removes): written as actions, and applied to the model after
    the commit so the answer is what the transaction wrote (no re-read)."""
    return {
        "status": status,
        "list_key": rfos.list_key(rfo.environment, status),
        "updated_at": now,
        "status_reason": reason or None,
    }


def _actions(model: type[Any], values: Mapping[str, Any]) -> list[Action]:
    return [getattr(model, k).set(v) if v is not None else getattr(model, k).remove() for k, v in values.items()]


def _applied(model: Any, values: Mapping[str, Any]) -> Any:
    for k, v in values.items():
        setattr(model, k, v)
    return model


def _decided_event(offer: Offer, status: str, winner_id: str, now: datetime) -> OutboxModel:
    """``offer.won`` / ``offer.lost``: one per offer of an awarded RFO, written with the status change."""
    data = {"offer_id": offer.id, "rfo_id": offer.rfo_id, "vendor_id": offer.vendor_id, "awarded_offer_id": winner_id}
    return outbox.event(f"offer.{status}", offer.id, offer.environment, data, now)


def _sweep_event(rfo: Rfo, winner_id: str, after: str | None, now: datetime) -> OutboxModel:
    data = {"rfo_id": rfo.id, "awarded_offer_id": winner_id, "after": after}
    return outbox.event(LOSERS_PENDING, rfo.id, rfo.environment, data, now)


def _ranking_event(rfo: Rfo, generation: int, after: str | None, now: datetime) -> OutboxModel:
    data = {"rfo_id": rfo.id, "generation": generation, "after": after}
    return outbox.event(RANKING_PENDING, rfo.id, rfo.environment, data, now)


def _score_actions(score: Mapping[str, Any] | None) -> list[Action]:
    """Set the stored score's fields, or remove them (None: no stored score, e.g. a relative version)."""
    if score is None:
        return [getattr(OfferModel, k).remove() for k in SCORE_FIELDS]
    return [getattr(OfferModel, k).set(score[k]) for k in SCORE_FIELDS]


def _generation(rfo: Rfo) -> int | None:
    g = getattr(rfo, "weights_generation", None)
    return int(g) if g is not None else None


class DynamoStore:
    """The real store (see :class:`intentbid.store.port.Store`)."""

    # --- RFOs ---------------------------------------------------------------------------------------------

    def get_rfo(self, rfo_id: str) -> Rfo | None:
        return rfos.get(rfo_id)

    def create_rfo(self, fields: Mapping[str, Any], change: Change) -> Rfo:
        attrs = dict(fields)
        rfo = RfoModel(attrs.pop("id"), **attrs, list_key=rfos.list_key(attrs["environment"], OPEN))
        rfos.create(rfo, change)
        return rfo

    def transition_rfo(
        self,
        rfo: Rfo,
        status: str,
        reason: str | None,
        change: Change,
        *,
        expires_at: datetime | None = None,
        deadline_version: int | None = None,
    ) -> Rfo:
        values = _status_values(rfo, status, reason, change.at)
        if expires_at is not None:
            values["expires_at"] = expires_at
        if deadline_version is not None:
            values["deadline_version"] = deadline_version
        rfos.transition(_rfo(rfo), _actions(RfoModel, values), _buyer_guard(rfo, change.at), change)
        return cast(Rfo, _applied(rfo, values))

    def award_rfo(self, rfo: Rfo, winner: Offer, losers: Sequence[Offer], reason: str | None, change: Change) -> Rfo:
        now = change.at
        active = OfferModel.status == "active"
        decided = {"updated_at": now}
        updates: list[tuple[OfferModel, Sequence[Action], Any]] = [
            (
                _offer(winner),
                _actions(OfferModel, {"status": "won", **decided}),
                active & (OfferModel.revision == int(winner.revision)),
            )
        ]
        marked = losers[:MAX_LOSERS_IN_TX]
        updates += [(_offer(o), _actions(OfferModel, {"status": "lost", **decided}), active) for o in marked]
        events = [
            _decided_event(winner, "won", winner.id, now),
            *(_decided_event(o, "lost", winner.id, now) for o in marked),
            _sweep_event(rfo, winner.id, None, now),  # from the start: also an offer submitted during the award
        ]
        values = {**_status_values(rfo, AWARDED, reason, now), "awarded_offer_id": winner.id}
        rfos.transition(
            _rfo(rfo), _actions(RfoModel, values), _buyer_guard(rfo, now), change, *events, offer_updates=updates
        )
        return cast(Rfo, _applied(rfo, values))

    def active_losers(self, rfo_id: str, winner_id: str, after: str | None, limit: int) -> list[Offer]:
        return list(offers.active_after(rfo_id, after, limit, exclude=winner_id))

    def mark_lost(self, rfo: Rfo, losers: Sequence[Offer], after: str | None, at: datetime) -> None:
        winner_id = str(rfo.awarded_offer_id)
        events = [_decided_event(o, "lost", winner_id, at) for o in losers]
        if after is not None:
            events.append(_sweep_event(rfo, winner_id, after, at))
        offers.mark_lost(rfo.id, winner_id, [_offer(o) for o in losers], at, *events)

    def delete_rfo(self, rfo: Rfo, change: Change) -> None:
        now = change.at
        actions = [
            RfoModel.deleted_at.set(now),
            RfoModel.updated_at.set(now),
            RfoModel.list_key.set(rfos.list_key(rfo.environment, DELETED)),
        ]
        guard = (RfoModel.status == rfo.status) & RfoModel.deleted_at.does_not_exist()
        rfos.transition(_rfo(rfo), actions, guard, change)

    def expire_rfo(self, rfo: Rfo, deadline_version: int, reason: str, change: Change) -> None:
        actions = [
            RfoModel.status.set(EXPIRED),
            RfoModel.list_key.set(rfos.list_key(rfo.environment, EXPIRED)),
            RfoModel.status_reason.set(reason),
            RfoModel.updated_at.set(change.at),
        ]
        condition = RfoModel.status.is_in(OPEN, CLOSED) & (RfoModel.deadline_version == deadline_version)
        rfos.transition(_rfo(rfo), actions, condition, change)

    def set_rfo_weights(
        self, rfo: Rfo, weights: Mapping[str, str], scoring_version: str, change: Change, *, recompute: bool = True
    ) -> Rfo:
        generation = (_generation(rfo) or 0) + 1
        values: dict[str, Any] = {
            "weights": dict(weights),
            "scoring_version": scoring_version,
            "updated_at": change.at,
            "weights_generation": generation,
            "ranking_status": "recomputing" if recompute else "current",
        }
        events = [_ranking_event(rfo, generation, None, change.at)] if recompute else []
        rfos.transition(_rfo(rfo), _actions(RfoModel, values), _buyer_guard(rfo, change.at), change, *events)
        return cast(Rfo, _applied(rfo, values))

    def offers_to_rescore(self, rfo_id: str, generation: int, after: str | None, limit: int) -> list[Offer]:
        return list(offers.to_rescore(rfo_id, generation, after, limit))

    def write_scores(
        self,
        rfo: Rfo,
        generation: int,
        rows: Sequence[tuple[Offer, Mapping[str, Any]]],
        after: str | None,
        at: datetime,
    ) -> None:
        events = [_ranking_event(rfo, generation, after, at)] if after is not None else []
        offers.write_scores(_rfo(rfo), generation, [(_offer(o), f) for o, f in rows], at, *events)

    def stamp_vendor_name(self, rfo_id: str, offer_id: str, name: str) -> bool:
        return offers.stamp_vendor_name(rfo_id, offer_id, name)

    def ranking_page(self, rfo_id: str, start: Mapping[str, Any] | None, page_size: int) -> Iterator[RankedOffer]:
        return iter(offers.rank_page(rfo_id, dict(start) if start else None, page_size))

    def share_rfo(self, rfo: Rfo, token_hash: str, show_prices: bool, change: Change) -> None:
        actions = [RfoModel.public_token_hash.set(token_hash), RfoModel.public_show_prices.set(show_prices)]
        rfos.transition(_rfo(rfo), actions, RfoModel.deleted_at.does_not_exist(), change)

    def unshare_rfo(self, rfo: Rfo, change: Change) -> None:
        actions = [RfoModel.public_token_hash.remove(), RfoModel.public_show_prices.remove()]
        rfos.transition(_rfo(rfo), actions, RfoModel.deleted_at.does_not_exist(), change)

    def find_shared_rfo(self, token_hash: str) -> Rfo | None:
        return rfos.find_by_public_token(token_hash)

    def rfos_of_buyer(
        self, buyer_id: str, *, limit: int, cursor: str | None, status: str | None, now: datetime
    ) -> tuple[list[Rfo], str | None]:
        items, nxt = rfos.page_for_buyer(buyer_id, limit=limit, cursor=cursor, status=status, now=now)
        return list(items), nxt

    def open_rfos(
        self,
        environment: str,
        *,
        limit: int,
        cursor: str | None,
        now: datetime,
        category: str | None,
        region: str | None,
    ) -> tuple[list[Rfo], str | None]:
        items, nxt = rfos.page_open(environment, limit=limit, cursor=cursor, now=now, category=category, region=region)
        return list(items), nxt

    def rfos_by_status(
        self, *, limit: int, cursor: str | None, environment: str, status: str
    ) -> tuple[list[Rfo], str | None]:
        items, nxt = rfos.page_all(limit=limit, cursor=cursor, environment=environment, status=status)
        return list(items), nxt

    # --- offers -------------------------------------------------------------------------------------------

    def get_offer(self, rfo_id: str, offer_id: str) -> Offer | None:
        return offers.get(rfo_id, offer_id)

    def find_offer(self, offer_id: str) -> Offer | None:
        return offers.get_by_id(offer_id)

    def offers_of_rfo(self, rfo_id: str) -> Iterator[Offer]:
        return iter(offers.all_for_rfo(rfo_id))

    def offers_page_of_rfo(
        self, rfo_id: str, *, limit: int, cursor: str | None, vendor_id: str | None = None
    ) -> tuple[list[Offer], str | None]:
        items, nxt = offers.page_for_rfo(rfo_id, limit=limit, cursor=cursor, vendor_id=vendor_id)
        return list(items), nxt

    def offers_page_of_vendor(
        self, vendor_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[Offer], str | None]:
        items, nxt = offers.page_for_vendor(vendor_id, limit=limit, cursor=cursor)
        return list(items), nxt

    def submit_offer(
        self,
        fields: Mapping[str, Any],
        limits: Sequence[CounterLimit],
        change: Change,
        *,
        generation: int | None = None,
    ) -> Offer:
        attrs = dict(fields)
        offer = OfferModel(attrs.pop("rfo_id"), attrs.pop("id"), **attrs)
        offers.submit(offer, change.at, limits, change, generation=generation)
        return offer

    def revise_offer(
        self, offer: Offer, revision: OfferRevision, change: Change, *, generation: int | None = None
    ) -> Offer:
        model = _offer(offer)
        changes: dict[str, Any] = {
            "unit_price": revision.unit_price,
            "quantity_available": revision.quantity_available,
            "delivery_date": revision.delivery_date,
            "valid_until": revision.valid_until,
            "updated_at": change.at,
            "revision": int(offer.revision) + 1,
        }
        if revision.set_notes and revision.notes is not None:
            changes["notes"] = revision.notes
        actions: list[Action] = [getattr(OfferModel, k).set(v) for k, v in changes.items()]
        if revision.set_notes and revision.notes is None:
            actions.append(OfferModel.notes.remove())
            changes["notes"] = None
        actions += _score_actions(revision.score)
        for k in SCORE_FIELDS:
            changes[k] = revision.score[k] if revision.score is not None else None
        offers.update(model, actions, int(offer.revision), change.at, change, generation=generation)
        for k, v in changes.items():
            setattr(model, k, v)
        return model

    def withdraw_offer(self, offer: Offer, change: Change) -> Offer:
        model = _offer(offer)
        # no rank_key: out of the by_rank index (the score stays, for the record)
        actions = [
            OfferModel.status.set("withdrawn"),
            OfferModel.updated_at.set(change.at),
            OfferModel.rank_key.remove(),
        ]
        offers.update(model, actions, int(offer.revision), change.at, change, check_cooldown=False)
        model.status, model.updated_at, model.rank_key = "withdrawn", change.at, None
        return model
