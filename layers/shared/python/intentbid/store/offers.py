from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from intentbid.store import paging
from intentbid.store.models.accounts import AccountModel, antigaming_attr
from intentbid.store.models.offers import OfferModel
from intentbid.store.models.rate_limits import RateLimitModel
from intentbid.store.models.rfos import RfoModel
from intentbid.store.port import Change
from intentbid.store.tx import transaction

if TYPE_CHECKING:
    from intentbid.domain.limits import CounterLimit


def get_by_id(offer_id: str) -> OfferModel | None:
    for item in OfferModel.by_id.query(offer_id, limit=1):
        return item
    return None


def rfo_open_condition(now: datetime) -> Any:
    return (RfoModel.status == "OPEN") & (RfoModel.expires_at > now) & RfoModel.deleted_at.does_not_exist()


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


def submit(offer: OfferModel, now: datetime, limits: Sequence[CounterLimit], *changes: Change) -> None:
    """One transaction: the RFO is OPEN before its deadline, the vendor is not cooling down (in the offer's
    environment), each limit's counter has room (``ConditionFailed.failed_on`` tells which guard refused), the
    offer, its audit entry and its outbox event."""
    with transaction(*changes) as tx:
        tx.condition_check(RfoModel, offer.rfo_id, condition=rfo_open_condition(now))
        tx.condition_check(AccountModel, offer.vendor_id, condition=not_cooling_down(now, offer.environment))
        for limit in limits:
            count(tx, limit)
        tx.save(offer, condition=OfferModel.id.does_not_exist())


def update(
    offer: OfferModel,
    actions: Sequence[Action],
    expected_revision: int,
    now: datetime,
    *changes: Change,
    check_cooldown: bool = True,
) -> None:
    """Change an active offer at ``expected_revision`` while its RFO is OPEN and (unless told otherwise, e.g.
    to withdraw) its vendor is not cooling down (``ConditionFailed.failed_on`` tells which guard refused)."""
    with transaction(*changes) as tx:
        tx.condition_check(RfoModel, offer.rfo_id, condition=rfo_open_condition(now))
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
