from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from intentbid.domain.lifecycle import AWARDED
from intentbid.store import paging
from intentbid.store.models.accounts import AccountModel, antigaming_attr
from intentbid.store.models.offers import POINTER_PREFIX, OfferModel, OfferPointerModel
from intentbid.store.models.outbox import OutboxModel
from intentbid.store.models.rate_limits import RateLimitModel
from intentbid.store.models.rfos import RfoModel
from intentbid.store.port import Change
from intentbid.store.tx import transaction

if TYPE_CHECKING:
    from intentbid.domain.limits import CounterLimit


def get_by_id(offer_id: str) -> OfferModel | None:
    """By id alone, strongly consistent: the offer's pointer (GetItem) then the offer (GetItem)."""
    try:
        pointer = OfferPointerModel.get(POINTER_PREFIX + offer_id, POINTER_PREFIX + offer_id, consistent_read=True)
    except DoesNotExist:
        return None
    return get(pointer.offer_rfo_id, offer_id)


ANY_GENERATION = "any"  # a write that stores no score (a withdrawal): any weights generation


def rfo_open_condition(now: datetime, generation: int | str | None = ANY_GENERATION) -> Any:
    """The RFO is OPEN before its deadline, not deleted and (stored scores) still at the weights generation the
    offer's score was computed under (None: an RFO from before stored scores), so a weights change racing the
    write cannot leave a stale score."""
    open_ = (RfoModel.status == "OPEN") & (RfoModel.expires_at > now) & RfoModel.deleted_at.does_not_exist()
    if generation == ANY_GENERATION:
        return open_
    gen = RfoModel.weights_generation
    return open_ & (gen.does_not_exist() if generation is None else gen == generation)


def not_cooling_down(now: datetime, environment: str) -> Any:
    """The vendor is not cooling down in ``environment`` (its state in the other environment is not looked at)."""
    until: Any = antigaming_attr(environment).cooldown_until  # the nested attribute path, for the condition
    return until.does_not_exist() | (until <= now)


def count(tx: Any, limit: CounterLimit) -> None:
    """Increment a limit's counter in ``tx`` only while it is below its max (exact under concurrency)."""
    actions: list[Action] = [RateLimitModel.n.add(1)]
    expires = limit.expires_at_epoch()
    if expires is not None:
        actions.append(RateLimitModel.expire_at.set(expires))
    tx.update(
        RateLimitModel(limit.key), actions, condition=RateLimitModel.n.does_not_exist() | (RateLimitModel.n < limit.max)
    )


def submit(
    offer: OfferModel, now: datetime, limits: Sequence[CounterLimit], *changes: Change, generation: int | None = None
) -> None:
    """One transaction: the RFO is OPEN before its deadline, the vendor is not cooling down (in the offer's
    environment), each limit's counter has room (``ConditionFailed.failed_on`` tells which guard refused), the
    offer, its pointer (the strongly consistent read by id), its audit entry and its outbox event."""
    with transaction(*changes) as tx:
        tx.condition_check(RfoModel, offer.rfo_id, condition=rfo_open_condition(now, generation))
        tx.condition_check(AccountModel, offer.vendor_id, condition=not_cooling_down(now, offer.environment))
        for limit in limits:
            count(tx, limit)
        tx.save(offer, condition=OfferModel.id.does_not_exist())
        tx.save(OfferPointerModel.for_offer(offer.id, offer.rfo_id), condition=OfferPointerModel.sort.does_not_exist())


def update(
    offer: OfferModel,
    actions: Sequence[Action],
    expected_revision: int,
    now: datetime,
    *changes: Change,
    check_cooldown: bool = True,
    generation: int | str | None = ANY_GENERATION,
) -> None:
    """Change an active offer at ``expected_revision`` while its RFO is OPEN and (unless told otherwise, e.g.
    to withdraw) its vendor is not cooling down (``ConditionFailed.failed_on`` tells which guard refused)."""
    with transaction(*changes) as tx:
        tx.condition_check(RfoModel, offer.rfo_id, condition=rfo_open_condition(now, generation))
        if check_cooldown:
            tx.condition_check(AccountModel, offer.vendor_id, condition=not_cooling_down(now, offer.environment))
        tx.update(
            offer, list(actions), condition=(OfferModel.status == "active") & (OfferModel.revision == expected_revision)
        )


def all_for_rfo(rfo_id: str) -> Iterator[OfferModel]:
    """Every offer of an RFO: a paginated, strongly consistent Query (never a Scan)."""
    return OfferModel.query(rfo_id, consistent_read=True)


def page_for_rfo(
    rfo_id: str, *, limit: int, cursor: str | None, vendor_id: str | None = None
) -> tuple[list[OfferModel], str | None]:
    return paging.page(
        lambda start: OfferModel.query(rfo_id, consistent_read=True, last_evaluated_key=start, page_size=limit),
        cursor,
        {"rfo_id", "id"},
        limit,
        keep=lambda o: vendor_id is None or o.vendor_id == vendor_id,
    )


def page_for_vendor(vendor_id: str, *, limit: int, cursor: str | None) -> tuple[list[OfferModel], str | None]:
    return paging.page(
        lambda start: OfferModel.by_vendor.query(
            vendor_id, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        cursor,
        {"rfo_id", "id", "vendor_id"},
        limit,
    )


def get(rfo_id: str, offer_id: str) -> OfferModel | None:
    """One offer by its full key, strongly consistent (a re-read after a lost race)."""
    try:
        return OfferModel.get(rfo_id, offer_id, consistent_read=True)
    except DoesNotExist:
        return None


def active_after(rfo_id: str, after: str | None, limit: int, *, exclude: str) -> Iterator[OfferModel]:
    """Up to ``limit`` active offers of an RFO past the id ``after`` (None: from the first), in id order, but
    ``exclude``: a strongly consistent Query that filters out the decided ones (reads resume at ``after``)."""
    start = {"rfo_id": {"S": rfo_id}, "id": {"S": after}} if after is not None else None
    for found, offer in enumerate(
        OfferModel.query(
            rfo_id,
            consistent_read=True,
            filter_condition=(OfferModel.status == "active") & (OfferModel.id != exclude),
            last_evaluated_key=start,
            page_size=max(limit, 25),
        )
    ):
        if found == limit:
            return
        yield offer


def mark_lost(rfo_id: str, winner_id: str, losers: Sequence[OfferModel], now: datetime, *events: OutboxModel) -> None:
    """One transaction: the RFO is still awarded to ``winner_id``, each loser goes active -> lost (a loser no
    longer active fails it: another sweep marked it, so no event is ever written twice), with the events."""
    with transaction(*events) as tx:
        tx.condition_check(
            RfoModel, rfo_id, condition=(RfoModel.status == AWARDED) & (RfoModel.awarded_offer_id == winner_id)
        )
        for offer in losers:
            tx.update(
                offer,
                [OfferModel.status.set("lost"), OfferModel.updated_at.set(now)],
                condition=OfferModel.status == "active",
            )


RANKED = ("active", "won", "lost")  # what the ranking shows (a withdrawn offer has no rank_key)


def to_rescore(rfo_id: str, generation: int, after: str | None, limit: int) -> list[OfferModel]:
    """Up to ``limit`` ranked offers past the id ``after`` whose stored score is not at ``generation`` (or
    absent): a strongly consistent Query in id order, filtered (the recompute's batches resume at ``after``)."""
    start = {"rfo_id": {"S": rfo_id}, "id": {"S": after}} if after is not None else None
    stale = OfferModel.score_generation.does_not_exist() | (OfferModel.score_generation < generation)
    out: list[OfferModel] = []
    for offer in OfferModel.query(
        rfo_id,
        consistent_read=True,
        filter_condition=OfferModel.status.is_in(*RANKED) & stale,
        last_evaluated_key=start,
        page_size=max(limit, 25),
    ):
        out.append(offer)
        if len(out) == limit:
            break
    return out


def write_scores(
    rfo: RfoModel,
    generation: int,
    rows: Sequence[tuple[OfferModel, Mapping[str, Any]]],
    now: datetime,
    *events: OutboxModel,
) -> None:
    """One recompute batch in one transaction: the RFO still at ``generation`` (a ConditionCheck; when no event
    continues the job, the update that marks its ranking current instead), each offer's new score only while it
    keeps the revision read, is still ranked and has no score at ``generation`` or newer (a newer writer wins)."""
    with transaction(*events) as tx:
        at_gen = RfoModel.weights_generation == generation
        if events:
            tx.condition_check(RfoModel, rfo.id, condition=at_gen)
        else:
            tx.update(rfo, [RfoModel.ranking_status.set("current")], condition=at_gen, add_version_condition=False)
        for offer, fields in rows:
            older = OfferModel.score_generation.does_not_exist() | (OfferModel.score_generation < generation)
            tx.update(
                offer,
                [getattr(OfferModel, k).set(v) for k, v in fields.items()],
                condition=(OfferModel.revision == int(offer.revision)) & OfferModel.status.is_in(*RANKED) & older,
            )


@dataclass(frozen=True, slots=True)
class RankedOffer:
    """What a ranking page shows of an offer, read straight from the index's raw items (no model instance: a
    page's CPU is mostly item decoding, so only these attributes are fetched and decoded)."""

    rfo_id: str
    id: str
    vendor_id: str
    vendor_name: str | None
    status: str
    unit_price: int
    quantity_available: int
    delivery_date: datetime
    valid_until: datetime
    submitted_at: datetime
    revision: int
    score: str | None
    score_detail: str | None
    score_generation: int | None
    rank_key: str | None


_RANKED_ATTRS = [f.name for f in fields(RankedOffer)]
_INTS = ("unit_price", "quantity_available", "revision", "score_generation")
_TIMES = ("delivery_date", "valid_until", "submitted_at")


def _ranked(raw: dict[str, Any]) -> RankedOffer:
    values: dict[str, Any] = {}
    for name in _RANKED_ATTRS:
        attr = raw.get(name)
        if attr is None:
            values[name] = None
        elif name in _INTS:
            values[name] = int(attr["N"])
        elif name in _TIMES:
            values[name] = _TIME_ATTR.deserialize(attr["S"])
        else:
            values[name] = attr["S"]
    return RankedOffer(**values)


_TIME_ATTR = OfferModel.delivery_date


def rank_page(rfo_id: str, start: dict[str, Any] | None, page_size: int) -> Iterator[RankedOffer]:
    """The RFO's ranked offers in ranking order from ``start`` (a by_rank LastEvaluatedKey): strongly consistent
    Queries of the by_rank index, ``page_size`` items per call, made as the caller iterates (stop to stop)."""
    conn = OfferModel._get_connection()
    last = start
    while True:
        data = conn.query(
            rfo_id,
            index_name="by_rank",
            consistent_read=True,
            exclusive_start_key=last,
            limit=page_size,
            attributes_to_get=_RANKED_ATTRS,
        )
        for raw in data.get("Items", []):
            yield _ranked(raw)
        last = data.get("LastEvaluatedKey")
        if not last:
            return


def stamp_vendor_name(rfo_id: str, offer_id: str, name: str) -> bool:
    """Write the vendor's name on its offer once (an UpdateItem; False: the offer is gone or already has it)."""
    from pynamodb.exceptions import UpdateError

    try:
        OfferModel(rfo_id, offer_id).update(
            [OfferModel.vendor_name.set(name)],
            condition=OfferModel.id.exists() & OfferModel.vendor_name.does_not_exist(),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
