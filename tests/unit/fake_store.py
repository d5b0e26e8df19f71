"""An in-memory implementation of the store port (:class:`intentbid.store.port.Store`) for unit tests.

It keeps the guards the port promises (status, deadline, version, offer revision, vendor cooldown, counters)
so use cases can be tested for their decisions and races without moto or sockets; moto tests keep covering
the real store. Reads return copies, like DynamoDB: a use case never sees a write it did not read back.
``mypy tests/unit/fake_store.py`` checks it conforms to the protocol (the assignment at the bottom).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from intentbid.domain.lifecycle import AWARDED, CLOSED, EXPIRED, OPEN
from intentbid.domain.limits import CounterLimit
from intentbid.store.port import Change, ConditionFailed, Offer, OfferRevision, RankedOffer, Rfo, Store


@dataclass
class FakeRfo:
    id: str
    buyer_id: str
    environment: str
    status: str
    title: str
    category: str
    quantity: int
    unit: str
    budget_max: int
    currency: str
    delivery_region: str
    need_by: datetime
    expires_at: datetime
    scoring_version: str
    weights: dict[str, str]
    created_at: datetime
    updated_at: datetime
    disclosure: str = "sealed"
    description: str | None = None
    status_reason: str | None = None
    deleted_at: datetime | None = None
    awarded_offer_id: str | None = None
    deadline_version: int = 1
    public_token_hash: str | None = None
    public_show_prices: bool | None = None
    weights_generation: int | None = None
    ranking_status: str | None = None
    version: int = 1


@dataclass
class FakeOffer:
    rfo_id: str
    id: str
    vendor_id: str
    environment: str
    unit_price: int
    currency: str
    quantity_available: int
    delivery_date: datetime
    availability_confirmed: bool
    valid_until: datetime
    submitted_at: datetime
    updated_at: datetime
    status: str = "active"
    notes: str | None = None
    revision: int = 1
    score: str | None = None
    score_detail: str | None = None
    score_generation: int | None = None
    rank_key: str | None = None
    vendor_name: str | None = None


@dataclass
class FakeStore:
    """The tables as dicts; ``changes`` lists every committed change in order (its audit entry and, when it
    names one, its outbox event); ``before_write`` runs just before a write's guards are evaluated (a race)."""

    rfos: dict[str, FakeRfo] = field(default_factory=dict)
    offers: dict[str, FakeOffer] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    cooling_down: dict[tuple[str, str], datetime] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)  # rfo.ranking_pending events' data, in order
    before_write: Callable[[], None] | None = None

    # --- helpers for tests --------------------------------------------------------------------------------

    @property
    def events(self) -> list[tuple[str, Mapping[str, Any]]]:
        """The outbox: (type, data) of every committed change that names an event."""
        return [(c.event, c.event_data if c.event_data is not None else c.data) for c in self.changes if c.event]

    def _race(self) -> None:
        hook, self.before_write = self.before_write, None
        if hook is not None:
            hook()

    def _commit(self, failed: list[tuple[str, str]], change: Change) -> None:
        if failed:
            raise ConditionFailed(failed)
        self.changes.append(change)

    def _stored_rfo(self, rfo: Rfo) -> FakeRfo:
        return self.rfos[rfo.id]

    def _buyer_guard(self, rfo: Rfo, now: datetime) -> bool:
        s = self.rfos.get(rfo.id)
        return (
            s is not None
            and s.status == rfo.status
            and s.deleted_at is None
            and s.expires_at > now
            and s.version == getattr(rfo, "version", None)
        )

    # --- RFOs ---------------------------------------------------------------------------------------------

    def get_rfo(self, rfo_id: str) -> Rfo | None:
        r = self.rfos.get(rfo_id)
        return dataclasses.replace(r) if r is not None else None

    def create_rfo(self, fields: Mapping[str, Any], change: Change) -> Rfo:
        rfo = FakeRfo(**fields)
        self._commit([("rfos", rfo.id)] if rfo.id in self.rfos else [], change)
        self.rfos[rfo.id] = rfo
        return dataclasses.replace(rfo)

    def _transition(self, rfo: Rfo, guard: bool, change: Change, **values: Any) -> None:
        self._commit([] if guard else [("rfos", rfo.id)], change)
        stored = self._stored_rfo(rfo)
        for k, v in values.items():
            setattr(stored, k, v)
        stored.updated_at = change.at
        stored.version += 1

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
        self._race()
        extra: dict[str, Any] = {}
        if expires_at is not None:
            extra["expires_at"] = expires_at
        if deadline_version is not None:
            extra["deadline_version"] = deadline_version
        guard = self._buyer_guard(rfo, change.at)
        self._transition(rfo, guard, change, status=status, status_reason=reason or None, **extra)
        return dataclasses.replace(self._stored_rfo(rfo))

    def award_rfo(self, rfo: Rfo, winner: Offer, losers: Sequence[Offer], reason: str | None, change: Change) -> Rfo:
        self._race()
        failed = [] if self._buyer_guard(rfo, change.at) else [("rfos", rfo.id)]
        w = self.offers.get(winner.id)
        if w is None or w.status != "active" or w.revision != winner.revision:
            failed.append(("offers", winner.rfo_id))
        failed += [("offers", o.rfo_id) for o in losers if self.offers[o.id].status != "active"]
        self._commit(failed, change)
        stored = self._stored_rfo(rfo)
        stored.status, stored.status_reason, stored.awarded_offer_id = AWARDED, reason or None, winner.id
        stored.updated_at, stored.version = change.at, stored.version + 1
        for o, status in [(winner, "won"), *((o, "lost") for o in losers)]:
            self.offers[o.id].status, self.offers[o.id].updated_at = status, change.at
        return dataclasses.replace(stored)

    def active_losers(self, rfo_id: str, winner_id: str, after: str | None, limit: int) -> list[Offer]:
        found = [
            o
            for o in self.offers_of_rfo(rfo_id)
            if o.status == "active" and o.id != winner_id and (after is None or o.id > after)
        ]
        return found[:limit]

    def mark_lost(self, rfo: Rfo, losers: Sequence[Offer], after: str | None, at: datetime) -> None:
        s = self.rfos.get(rfo.id)
        failed = [] if s is not None and s.status == AWARDED else [("rfos", rfo.id)]
        failed += [("offers", o.rfo_id) for o in losers if self.offers[o.id].status != "active"]
        if failed:
            raise ConditionFailed(failed)
        for o in losers:
            self.offers[o.id].status, self.offers[o.id].updated_at = "lost", at

    def delete_rfo(self, rfo: Rfo, change: Change) -> None:
        self._race()
        s = self.rfos.get(rfo.id)
        guard = s is not None and s.status == rfo.status and s.deleted_at is None
        self._transition(rfo, guard, change, deleted_at=change.at)

    def expire_rfo(self, rfo: Rfo, deadline_version: int, reason: str, change: Change) -> None:
        self._race()
        s = self.rfos.get(rfo.id)
        guard = s is not None and s.status in (OPEN, CLOSED) and s.deadline_version == deadline_version
        self._transition(rfo, guard, change, status=EXPIRED, status_reason=reason)

    def set_rfo_weights(
        self, rfo: Rfo, weights: Mapping[str, str], scoring_version: str, change: Change, *, recompute: bool = True
    ) -> Rfo:
        self._race()
        guard = self._buyer_guard(rfo, change.at)
        generation = int(rfo.weights_generation or 0) + 1
        status = "recomputing" if recompute else "current"
        self._transition(
            rfo,
            guard,
            change,
            weights=dict(weights),
            scoring_version=scoring_version,
            weights_generation=generation,
            ranking_status=status,
        )
        if recompute:
            self.pending.append({"rfo_id": rfo.id, "generation": generation, "after": None})
        return dataclasses.replace(self._stored_rfo(rfo))

    def offers_to_rescore(self, rfo_id: str, generation: int, after: str | None, limit: int) -> list[Offer]:
        found = [
            o
            for o in self.offers_of_rfo(rfo_id)
            if o.status in ("active", "won", "lost")
            and (o.score_generation is None or o.score_generation < generation)
            and (after is None or o.id > after)
        ]
        return found[:limit]

    def write_scores(
        self,
        rfo: Rfo,
        generation: int,
        rows: Sequence[tuple[Offer, Mapping[str, Any]]],
        after: str | None,
        at: datetime,
    ) -> None:
        s = self.rfos.get(rfo.id)
        failed = [] if s is not None and s.weights_generation == generation else [("rfos", rfo.id)]
        for o, _ in rows:
            cur = self.offers[o.id]
            if (
                cur.revision != o.revision
                or cur.status not in ("active", "won", "lost")
                or (cur.score_generation is not None and cur.score_generation >= generation)
            ):
                failed.append(("offers", o.rfo_id))
        if failed:
            raise ConditionFailed(failed)
        for o, fields in rows:
            for k, v in fields.items():
                setattr(self.offers[o.id], k, v)
        if after is not None:
            self.pending.append({"rfo_id": rfo.id, "generation": generation, "after": after})
        else:
            assert s is not None
            s.ranking_status = "current"

    def stamp_vendor_name(self, rfo_id: str, offer_id: str, name: str) -> bool:
        o = self.offers.get(offer_id)
        if o is None or o.rfo_id != rfo_id or o.vendor_name is not None:
            return False
        o.vendor_name = name
        return True

    def ranking_page(self, rfo_id: str, start: Mapping[str, Any] | None, page_size: int) -> Iterator[RankedOffer]:
        ranked = sorted(
            (o for o in self.offers.values() if o.rfo_id == rfo_id and o.rank_key is not None),
            key=lambda o: (o.rank_key or "", o.id),
        )
        if start is not None:
            key = (start["rank_key"]["S"], start["id"]["S"])
            ranked = [o for o in ranked if (o.rank_key or "", o.id) > key]
        return iter([dataclasses.replace(o) for o in ranked])

    def share_rfo(self, rfo: Rfo, token_hash: str, show_prices: bool, change: Change) -> None:
        guard = self._stored_rfo(rfo).deleted_at is None
        self._transition(rfo, guard, change, public_token_hash=token_hash, public_show_prices=show_prices)

    def unshare_rfo(self, rfo: Rfo, change: Change) -> None:
        guard = self._stored_rfo(rfo).deleted_at is None
        self._transition(rfo, guard, change, public_token_hash=None, public_show_prices=None)

    def find_shared_rfo(self, token_hash: str) -> Rfo | None:
        return next((dataclasses.replace(r) for r in self.rfos.values() if r.public_token_hash == token_hash), None)

    def _rfo_page(self, keep: Callable[[FakeRfo], bool], limit: int) -> tuple[list[Rfo], str | None]:
        found = sorted((r for r in self.rfos.values() if keep(r)), key=lambda r: r.id, reverse=True)
        return [dataclasses.replace(r) for r in found[:limit]], None

    def rfos_of_buyer(
        self, buyer_id: str, *, limit: int, cursor: str | None, status: str | None, now: datetime
    ) -> tuple[list[Rfo], str | None]:
        return self._rfo_page(
            lambda r: r.buyer_id == buyer_id and r.deleted_at is None and status in (None, r.status), limit
        )

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
        return self._rfo_page(
            lambda r: (
                r.environment == environment
                and r.status == OPEN
                and r.deleted_at is None
                and r.expires_at > now
                and category in (None, r.category)
                and region in (None, r.delivery_region)
            ),
            limit,
        )

    def rfos_by_status(
        self, *, limit: int, cursor: str | None, environment: str, status: str
    ) -> tuple[list[Rfo], str | None]:
        return self._rfo_page(
            lambda r: r.environment == environment and r.status == status and r.deleted_at is None, limit
        )

    # --- offers -------------------------------------------------------------------------------------------

    def get_offer(self, rfo_id: str, offer_id: str) -> Offer | None:
        o = self.offers.get(offer_id)
        return dataclasses.replace(o) if o is not None and o.rfo_id == rfo_id else None

    def find_offer(self, offer_id: str) -> Offer | None:
        o = self.offers.get(offer_id)
        return dataclasses.replace(o) if o is not None else None

    def offers_of_rfo(self, rfo_id: str) -> Iterator[Offer]:
        return iter(
            [dataclasses.replace(o) for o in sorted(self.offers.values(), key=lambda o: o.id) if o.rfo_id == rfo_id]
        )

    def offers_page_of_rfo(
        self, rfo_id: str, *, limit: int, cursor: str | None, vendor_id: str | None = None
    ) -> tuple[list[Offer], str | None]:
        found = [o for o in self.offers_of_rfo(rfo_id) if vendor_id in (None, o.vendor_id)]
        return found[:limit], None

    def offers_page_of_vendor(
        self, vendor_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[Offer], str | None]:
        found = sorted((o for o in self.offers.values() if o.vendor_id == vendor_id), key=lambda o: o.id, reverse=True)
        return [dataclasses.replace(o) for o in found[:limit]], None

    def _offer_guards(
        self, rfo_id: str, vendor_id: str, environment: str, now: datetime, *, cooldown: bool
    ) -> list[tuple[str, str]]:
        r = self.rfos.get(rfo_id)
        failed = []
        if r is None or r.status != OPEN or r.expires_at <= now or r.deleted_at is not None:
            failed.append(("rfos", rfo_id))
        until = self.cooling_down.get((vendor_id, environment))
        if cooldown and until is not None and until > now:
            failed.append(("accounts", vendor_id))
        return failed

    def submit_offer(
        self,
        fields: Mapping[str, Any],
        limits: Sequence[CounterLimit],
        change: Change,
        *,
        generation: int | None = None,
    ) -> Offer:
        self._race()
        offer = FakeOffer(**fields)
        failed = self._offer_guards(offer.rfo_id, offer.vendor_id, offer.environment, change.at, cooldown=True)
        failed += self._generation_guard(offer.rfo_id, generation)
        failed += [("rate-limits", c.key) for c in limits if self.counters.get(c.key, 0) >= c.max]
        self._commit(failed, change)
        for c in limits:
            self.counters[c.key] = self.counters.get(c.key, 0) + 1
        self.offers[offer.id] = offer
        return dataclasses.replace(offer)

    def _generation_guard(self, rfo_id: str, generation: int | None) -> list[tuple[str, str]]:
        r = self.rfos.get(rfo_id)
        return [] if r is not None and r.weights_generation == generation else [("rfos", rfo_id)]

    def _update_offer(
        self, offer: Offer, change: Change, *, cooldown: bool, generation: Any = "any", **values: Any
    ) -> Offer:
        self._race()
        failed = self._offer_guards(offer.rfo_id, offer.vendor_id, offer.environment, change.at, cooldown=cooldown)
        if generation != "any":
            failed += self._generation_guard(offer.rfo_id, generation)
        s = self.offers.get(offer.id)
        if s is None or s.status != "active" or s.revision != offer.revision:
            failed.append(("offers", offer.rfo_id))
        self._commit(failed, change)
        assert s is not None
        for k, v in values.items():
            setattr(s, k, v)
        s.updated_at = change.at
        return dataclasses.replace(s)

    def revise_offer(
        self, offer: Offer, revision: OfferRevision, change: Change, *, generation: int | None = None
    ) -> Offer:
        score = dict(revision.score) if revision.score is not None else {}
        values: dict[str, Any] = {
            **{k: score.get(k) for k in ("score", "score_detail", "score_generation", "rank_key")},
            "unit_price": revision.unit_price,
            "quantity_available": revision.quantity_available,
            "delivery_date": revision.delivery_date,
            "valid_until": revision.valid_until,
            "revision": int(offer.revision) + 1,
        }
        if revision.set_notes:
            values["notes"] = revision.notes
        return self._update_offer(offer, change, cooldown=True, generation=generation, **values)

    def withdraw_offer(self, offer: Offer, change: Change) -> Offer:
        return self._update_offer(offer, change, cooldown=False, status="withdrawn", rank_key=None)


_conforms: Store = FakeStore()
