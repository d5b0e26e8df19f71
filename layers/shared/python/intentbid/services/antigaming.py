"""Anti-spam and anti-gaming around offers: the rejections log, automatic and manual cooldowns, and
suspicious flags (which never change a score; ops and the buyer's explain see them)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import ParamSpec, TypeVar

from intentbid import config
from intentbid import observability as obs
from intentbid.domain import clock, cooldown, flags, ids
from intentbid.domain.errors import Conflict, DomainError, NotFound, TooManyRequests, ValidationFailed
from intentbid.domain.principal import Principal
from intentbid.schemas.antigaming import (
    CooldownSet,
    FieldErrorOut,
    FlagOut,
    FlagPage,
    FlagQuery,
    Rejection,
    RejectionPage,
    VendorCooldown,
)
from intentbid.schemas.common import PageQuery, utc
from intentbid.store import accounts, audit, outbox, rejections
from intentbid.store import flags as flag_store
from intentbid.store import offers as offer_store
from intentbid.store import rfos as rfo_store
from intentbid.store.models.accounts import AccountModel
from intentbid.store.models.flags import FlagModel
from intentbid.store.models.rejections import RejectionModel

P = ParamSpec("P")
R = TypeVar("R")
REJECTED = {ValidationFailed: 400, Conflict: 409, TooManyRequests: 429}


def _status(exc: DomainError) -> int | None:
    return next((s for cls, s in REJECTED.items() if isinstance(exc, cls)), None)


def records_rejections(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Record every refused submission/revision (400/409/429) in the rejections log, count violations towards
    a cooldown, and re-raise. Recording never masks the original answer."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except DomainError as exc:
                status = _status(exc)
                p = args[0]
                if status is not None and isinstance(p, Principal) and p.kind == "vendor":
                    target = str(args[1]) if len(args) > 1 else None
                    try:
                        reject(p, action, target, exc, status)
                    except Exception:  # the vendor still gets its precise answer
                        obs.logger.exception("could not record a rejection")
                raise

        return run

    return decorate


def reject(p: Principal, action: str, target: str | None, exc: DomainError, status: int) -> None:
    now = clock.now()
    rfo_id = target if action == "submit" else None
    offer_id = target if action == "revise" else None
    if offer_id is not None and ids.is_id(offer_id, "off"):
        offer = offer_store.get_by_id(offer_id)
        rfo_id = offer.rfo_id if offer is not None and offer.vendor_id == p.id else None
    rejections.record(
        rejections.new(
            vendor_id=p.id,
            rfo_id=rfo_id,
            offer_id=offer_id,
            action=action,
            code=exc.code,
            status=status,
            reason=exc.detail[:500],
            errors=json.dumps([e.as_dict() for e in exc.errors]),
            environment=p.environment,
            now=now,
        )
    )
    obs.count("OffersRejected", reason=exc.code)
    if exc.code in cooldown.VIOLATION_CODES:
        _strike(p, now)
    _flag_rejections(p, now)


def _at(epoch_s: object) -> datetime:
    return datetime.fromtimestamp(float(str(epoch_s)), tz=UTC)


def _state(a: AccountModel) -> cooldown.CooldownState:
    return cooldown.CooldownState(
        strikes=int(a.strikes or 0),
        last_strike_at=a.last_strike_at,
        cooldown_until=a.cooldown_until,
        recent_violations=tuple(_at(t) for t in (a.recent_violations or [])),
    )


def _strike(p: Principal, now: datetime) -> None:
    account = accounts.get(p.id)
    if account is None:
        return
    before = _state(account)
    after = cooldown.on_violation(before, now, config.settings().cooldown)
    if after == before:
        return
    started = after.cooldown_until is not None and after.cooldown_until != before.cooldown_until
    record = (
        audit.entry(
            audit.Actor.system(p.request_id),
            action="cooldown_auto",
            target_id=p.id,
            target_type="vendor",
            environment=p.environment,
            now=now,
            payload={"strikes": after.strikes},
        )
        if started
        else None
    )
    accounts.save_cooldown(
        account,
        strikes=after.strikes,
        last_strike_at=after.last_strike_at,
        cooldown_until=after.cooldown_until,
        recent_violations=[int(t.timestamp()) for t in after.recent_violations],
        reason="automatic: repeated violations" if started else account.cooldown_reason,
        records=[record] if record else [],
    )
    if started:
        obs.logger.info("vendor cooling down", extra={"vendor_id": p.id, "strikes": after.strikes})
        obs.count("VendorCooldowns")


def _flag_rejections(p: Principal, now: datetime) -> None:
    policy = config.settings().flags
    if not policy.flag_rejections_threshold:
        return
    recent = rejections.since(p.id, now - timedelta(seconds=policy.flag_rejections_window_s))
    events = [flags.RejectionEvent(r.vendor_id, r.rfo_id, r.code, r.at) for r in recent]
    _store_flags(flags.repeated_rejections(events, policy), p.environment, now)


def _store_flags(found: list[flags.Flag], environment: str, now: datetime) -> list[flags.Flag]:
    new = []
    for f in found:
        item = FlagModel(
            f.key,
            id=ids.new_id("flg"),
            code=f.code,
            vendor_id=f.vendor_id,
            rfo_id=f.rfo_id or "-",
            reason=f.reason,
            evidence=json.dumps(f.evidence, default=str),
            environment=environment,
            day=now.strftime("%Y-%m-%d"),
            created_at=now,
        )
        event = outbox.event("vendor.flagged", f.vendor_id, environment, {**f.as_dict(), "flag_id": item.id}, now)
        if flag_store.add_if_new(item, event):
            obs.logger.info("vendor flagged", extra={"vendor_id": f.vendor_id, "flag": f.code, "rfo_id": f.rfo_id})
            obs.count("VendorsFlagged", flag=f.code)
            new.append(f)
    return new


def evaluate_rfo(rfo_id: str, vendor_id: str | None = None) -> list[flags.Flag]:
    """Run the offer signals over one RFO (after a submission or revision); store and announce new flags.
    Revision events come from the audit trail of the triggering vendor's offers on this RFO."""
    rfo = rfo_store.get(rfo_id)
    if rfo is None:
        return []
    now = clock.now()
    offers = [o for o in offer_store.all_for_rfo(rfo_id) if o.status in ("active", "won", "lost")]
    samples = [
        flags.OfferSample(
            o.id, o.vendor_id, o.rfo_id, int(o.unit_price), int(o.quantity_available), o.delivery_date, o.submitted_at
        )
        for o in offers
    ]
    revisions = []
    for o in offers:
        if vendor_id is None or o.vendor_id == vendor_id:
            entries, _ = audit.for_target(o.id, limit=100, cursor=None)
            revisions += [
                flags.RevisionEvent(o.vendor_id, rfo_id, o.id, e.created_at) for e in entries if e.action == "revise"
            ]
    window = flags.RfoWindow(rfo_id, rfo.created_at, rfo.expires_at)
    found = flags.evaluate(window, samples, revisions, (), config.settings().flags)
    return _store_flags(found, rfo.environment, now)


# --- read models and ops actions ------------------------------------------------------------------------


def _rejection_view(r: RejectionModel) -> Rejection:
    return Rejection(
        id=r.id,
        vendor_id=r.vendor_id,
        rfo_id=r.rfo_id,
        offer_id=r.offer_id,
        action=r.action,
        code=r.code,
        status=int(r.status),
        reason=r.reason,  # type: ignore[arg-type]
        errors=[FieldErrorOut(**e) for e in json.loads(r.errors or "[]")],
        at=r.at,
    )


def flag_view(f: FlagModel) -> FlagOut:
    return FlagOut(
        id=f.id,
        code=f.code,
        vendor_id=f.vendor_id,
        rfo_id=None if f.rfo_id == "-" else f.rfo_id,
        reason=f.reason,
        evidence=json.loads(f.evidence or "{}"),
        created_at=f.created_at,
    )


def vendor_rejections(p: Principal, vendor_id: str, q: PageQuery) -> RejectionPage:
    if not ids.is_id(vendor_id, "ven") or (p.kind == "vendor" and vendor_id != p.id):
        raise NotFound("No such vendor.")
    items, cursor = rejections.page(vendor_id, limit=q.limit, cursor=q.cursor)
    return RejectionPage(data=[_rejection_view(r) for r in items], next_cursor=cursor)


def list_flags(p: Principal, q: FlagQuery) -> FlagPage:
    if q.vendor_id:
        items, cursor = flag_store.page_by_vendor(q.vendor_id, limit=q.limit, cursor=q.cursor)
    else:
        day = q.day or clock.now().strftime("%Y-%m-%d")
        items, cursor = flag_store.page_by_day(day, limit=q.limit, cursor=q.cursor)
    return FlagPage(data=[flag_view(f) for f in items], next_cursor=cursor)


def _vendor(vendor_id: str) -> AccountModel:
    account = accounts.get(vendor_id) if ids.is_id(vendor_id, "ven") else None
    if account is None or account.kind != "vendor":
        raise NotFound("No such vendor.")
    return account


def _cooldown_view(a: AccountModel, now: datetime) -> VendorCooldown:
    active = a.cooldown_until is not None and a.cooldown_until > now
    return VendorCooldown(
        vendor_id=a.id,
        cooldown_until=a.cooldown_until if active else None,
        reason=a.cooldown_reason if active else None,
        strikes=int(a.strikes or 0),
    )


def set_cooldown(p: Principal, vendor_id: str, body: CooldownSet) -> VendorCooldown:
    """Ops put a vendor on cooldown until ``until`` (validated: future, at most the configured maximum)."""
    account = _vendor(vendor_id)
    now = clock.now()
    manual = cooldown.validate_manual(utc(body.until), body.reason, now, config.settings().cooldown)
    state = _state(account)
    record = audit.entry(
        audit.Actor.of(p),
        action="cooldown_set",
        target_id=vendor_id,
        target_type="vendor",
        environment="live",
        now=now,
        reason=manual.reason,
        payload={"until": clock.to_rfc3339(manual.until)},
    )
    accounts.save_cooldown(
        account,
        strikes=state.strikes,
        last_strike_at=state.last_strike_at,
        cooldown_until=manual.until,
        recent_violations=[],
        reason=manual.reason,
        records=[record],
    )
    return _cooldown_view(accounts.get(vendor_id) or account, now)


def lift_cooldown(p: Principal, vendor_id: str) -> VendorCooldown:
    account = _vendor(vendor_id)
    now = clock.now()
    lifted = cooldown.lift(_state(account))
    record = audit.entry(
        audit.Actor.of(p),
        action="cooldown_lift",
        target_id=vendor_id,
        target_type="vendor",
        environment="live",
        now=now,
    )
    accounts.save_cooldown(
        account,
        strikes=lifted.strikes,
        last_strike_at=lifted.last_strike_at,
        cooldown_until=None,
        recent_violations=[],
        reason=None,
        records=[record],
    )
    return _cooldown_view(accounts.get(vendor_id) or account, now)


def cooldown_conflict(vendor_id: str, now: datetime) -> DomainError:
    """The precise 429 after a write's cooldown guard refused (read only on that failure path), judged at the
    same ``now`` the guard used, so a cooldown ending mid-request still answers 429 with a Retry-After."""
    account = accounts.get(vendor_id)
    until = account.cooldown_until if account else None
    try:
        cooldown.ensure_not_cooling_down(until, now)
    except TooManyRequests as exc:
        return exc
    return TooManyRequests("This vendor is cooling down; retry in a second.", code="vendor_cooldown", retry_after=1)
