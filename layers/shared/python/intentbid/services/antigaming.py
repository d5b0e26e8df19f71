"""Anti-spam and anti-gaming around offers: the rejections log, automatic and manual cooldowns, and
suspicious flags (which never change a score; ops and the buyer's explain see them)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from intentbid import config
from intentbid import observability as obs
from intentbid.domain import clock, cooldown, flags, ids
from intentbid.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    NotFound,
    TooManyRequests,
    ValidationFailed,
)
from intentbid.domain.principal import Principal
from intentbid.schemas.antigaming import (
    CooldownSet,
    FlagPage,
    FlagQuery,
    RejectionPage,
    RejectionQuery,
    VendorCooldown,
)
from intentbid.schemas.common import utc
from intentbid.services import retry_on_conflict
from intentbid.services.views.antigaming import flag_view, rejection_view
from intentbid.store import accounts, audit, rejections
from intentbid.store import flags as flag_store
from intentbid.store.port import Account, Actor, Change, ConditionFailed, Target, TransactionConflict, store

P = ParamSpec("P")
R = TypeVar("R")
# The refusals a vendor's submission can earn (invalid, conflicting, too fast); their status is the class's own.
REFUSALS = (ValidationFailed, Conflict, TooManyRequests)


def _status(exc: DomainError) -> int | None:
    return exc.status if isinstance(exc, REFUSALS) else None


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


_STATE_ATTEMPTS = 4  # read-modify-write of the vendor's state under concurrency (each loser re-reads)


@dataclass(frozen=True, slots=True)
class _Stored:
    """A vendor's anti-gaming state in one environment, as read (``version`` 0: never written)."""

    state: cooldown.CooldownState
    recent: tuple[flags.RejectionEvent, ...]
    reason: str | None
    version: int


def _stored(a: Account, environment: str) -> _Stored:
    s = accounts.antigaming_state(a, environment)
    if s is None:
        return _Stored(cooldown.CooldownState(), (), None, 0)
    state = cooldown.CooldownState(
        strikes=int(s.strikes or 0),
        last_strike_at=s.last_strike_at,
        cooldown_until=s.cooldown_until,
        recent_violations=tuple(_at(t) for t in (s.recent_violations or [])),
        refusals=int(s.cooldown_refusals or 0),
        logged_until=s.cooldown_logged_until,
    )
    recent = tuple(_event(a.id, str(r)) for r in (s.recent_rejections or []))
    return _Stored(state, recent, s.cooldown_reason, int(s.version or 0))


def _event(vendor_id: str, packed: str) -> flags.RejectionEvent:
    at_ms, code, rfo_id = packed.split(" ", 2)
    at = datetime.fromtimestamp(int(at_ms) / 1000, tz=UTC)
    return flags.RejectionEvent(vendor_id, None if rfo_id == "-" else rfo_id, code, at)


def _attr(
    state: cooldown.CooldownState, recent: tuple[flags.RejectionEvent, ...], reason: str | None
) -> dict[str, Any]:
    return {
        "strikes": state.strikes,
        "last_strike_at": state.last_strike_at,
        "cooldown_until": state.cooldown_until,
        "cooldown_reason": reason if state.cooldown_until is not None else None,
        "recent_violations": [int(t.timestamp()) for t in state.recent_violations],
        "recent_rejections": [f"{int(e.at.timestamp() * 1000)} {e.code} {e.rfo_id or '-'}" for e in recent],
        "cooldown_refusals": state.refusals,
        "cooldown_logged_until": state.logged_until,
    }


def reject(p: Principal, action: str, target: str | None, exc: DomainError, status: int) -> None:
    """Record one refusal, in O(1) whatever the vendor's history: one read of the vendor item, one transaction
    (its state in the caller's environment — violations, strikes, the bounded ``repeated_rejections`` window,
    the cooldown's refusal count — and the rejections-log entry), plus a flag write when the window first fills.
    During a cooldown only its first ``vendor_cooldown`` refusal is logged; the rest are counted."""
    now = clock.now()
    settings = config.settings()
    env = p.environment
    rfo_id = target if action == "submit" else None
    offer_id = target if action == "revise" else None
    if offer_id is not None and ids.is_id(offer_id, "off"):
        offer = store().find_offer(offer_id)
        rfo_id = offer.rfo_id if offer is not None and offer.vendor_id == p.id else None
    event = flags.RejectionEvent(p.id, rfo_id, exc.code, now)
    for _ in range(_STATE_ATTEMPTS):
        account = accounts.get(p.id)
        if account is None:
            return
        before = _stored(account, env)
        state, logged = before.state, True
        if exc.code == cooldown.VENDOR_COOLDOWN:
            state, logged = cooldown.on_refusal(state)
        elif exc.code in cooldown.VIOLATION_CODES:
            state = cooldown.on_violation(state, now, settings.cooldown)
        started = state.cooldown_until is not None and state.cooldown_until != before.state.cooldown_until
        recent = flags.recent_rejections(before.recent, event, settings.flags)
        record = (
            Change(
                Actor.system(p.request_id),
                Target("vendor", p.id, env),
                "cooldown_auto",
                None,
                {"strikes": state.strikes},
                now,
            )
            if started
            else None
        )
        item = (
            rejections.new(
                vendor_id=p.id,
                rfo_id=rfo_id,
                offer_id=offer_id,
                action=action,
                code=exc.code,
                status=status,
                reason=exc.detail[:500],
                errors=json.dumps([e.as_dict() for e in exc.errors]),
                environment=env,
                now=now,
            )
            if logged
            else None
        )
        reason = "automatic: repeated violations" if started else before.reason
        try:
            accounts.save_antigaming(
                p.id,
                env,
                _attr(state, recent, reason),
                expected_version=before.version,
                records=[record] if record else [],
                rejection=item,
            )
        except (ConditionFailed, TransactionConflict):
            continue  # another refusal (or ops) changed the state first: decide again on the fresh state
        break
    else:
        obs.logger.warning("rejection not recorded: the vendor's state kept changing", extra={"vendor_id": p.id})
        return
    obs.count("OffersRejected", reason=exc.code)
    if started:
        obs.logger.info("vendor cooling down", extra={"vendor_id": p.id, "strikes": state.strikes, "environment": env})
        obs.count("VendorCooldowns")
    if len(recent) >= settings.flags.flag_rejections_threshold > 0:
        # Only flags the window before this rejection did not already raise (and store) are written: a flood
        # costs one flag write, not one per further rejection.
        raised = {f.key for f in flags.repeated_rejections(before.recent, settings.flags)}
        found = [f for f in flags.repeated_rejections(recent, settings.flags) if f.key not in raised]
        if found:
            _store_flags(found, env, now)


def _at(epoch_s: object) -> datetime:
    return datetime.fromtimestamp(float(str(epoch_s)), tz=UTC)


def _store_flags(found: list[flags.Flag], environment: str, now: datetime) -> list[flags.Flag]:
    new = []
    for f in found:
        if flag_store.add_if_new(
            f.key,
            code=f.code,
            vendor_id=f.vendor_id,
            rfo_id=f.rfo_id,
            reason=f.reason,
            evidence=f.evidence,
            event_data=f.as_dict(),
            environment=environment,
            now=now,
        ):
            obs.logger.info("vendor flagged", extra={"vendor_id": f.vendor_id, "flag": f.code, "rfo_id": f.rfo_id})
            obs.count("VendorsFlagged", flag=f.code)
            new.append(f)
    return new


def evaluate_rfo(rfo_id: str, vendor_id: str | None = None) -> list[flags.Flag]:
    """Run the offer signals over one RFO (after a submission or revision); store and announce new flags.
    Revision events come from the audit trail of the triggering vendor's offers on this RFO."""
    rfo = store().get_rfo(rfo_id)
    if rfo is None:
        return []
    now = clock.now()
    offers = [o for o in store().offers_of_rfo(rfo_id) if o.status in ("active", "won", "lost")]
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


def vendor_rejections(p: Principal, vendor_id: str, q: RejectionQuery) -> RejectionPage:
    """The vendor's rejections in one environment: a vendor key's own (naming the other is 400
    ``environment_not_allowed``), or the one an admin names (default live)."""
    if not ids.is_id(vendor_id, "ven") or (p.kind == "vendor" and vendor_id != p.id):
        raise NotFound("No such vendor.")
    environment = q.environment or ("live" if p.is_admin else p.environment)
    if not p.is_admin and environment != p.environment:
        raise ValidationFailed(
            "A key lists the rejections of its own environment only.",
            code="environment_not_allowed",
            errors=[
                FieldError(
                    "environment",
                    "environment_not_allowed",
                    f"environment must be {p.environment} (this key's environment), or left out",
                )
            ],
        )
    items, cursor = rejections.page(vendor_id, environment, limit=q.limit, cursor=q.cursor)
    return RejectionPage(data=[rejection_view(r) for r in items], next_cursor=cursor)


def list_flags(p: Principal, q: FlagQuery) -> FlagPage:
    if q.vendor_id:
        items, cursor = flag_store.page_by_vendor(q.vendor_id, limit=q.limit, cursor=q.cursor)
    else:
        day = q.day or clock.now().strftime("%Y-%m-%d")
        items, cursor = flag_store.page_by_day(day, limit=q.limit, cursor=q.cursor)
    return FlagPage(data=[flag_view(f) for f in items], next_cursor=cursor)


def _vendor(vendor_id: str) -> Account:
    account = accounts.get(vendor_id) if ids.is_id(vendor_id, "ven") else None
    if account is None or account.kind != "vendor":
        raise NotFound("No such vendor.")
    return account


def _cooldown_view(p: Principal, vendor_id: str, environment: str, now: datetime) -> VendorCooldown:
    account = accounts.get(vendor_id)
    stored = _stored(account, environment) if account is not None else _Stored(cooldown.CooldownState(), (), None, 0)
    until = stored.state.cooldown_until
    active = until is not None and until > now
    return VendorCooldown(
        vendor_id=vendor_id,
        environment=environment,  # type: ignore[arg-type]
        cooldown_until=until if active else None,
        reason=stored.reason if active else None,
        strikes=stored.state.strikes,
        refused_during_cooldown=stored.state.refusals,
    )


def _save_ops_change(
    p: Principal,
    account: Account,
    environment: str,
    change: Callable[[cooldown.CooldownState], cooldown.CooldownState],
    reason: str | None,
    record: Callable[[datetime, cooldown.CooldownState], Change],
) -> VendorCooldown:
    """Apply an ops change to the vendor's state in ``environment`` (conditional on the state it read)."""
    vendor_id = account.id
    now = clock.now()
    before = _stored(account, environment)
    try:
        accounts.save_antigaming(
            vendor_id,
            environment,
            _attr(change(before.state), before.recent, reason),
            expected_version=before.version,
            records=[record(now, before.state)],
        )
    except ConditionFailed:
        raise TransactionConflict() from None  # a refusal changed the state meanwhile: decide again
    return _cooldown_view(p, vendor_id, environment, now)


@retry_on_conflict()
def set_cooldown(p: Principal, vendor_id: str, body: CooldownSet) -> VendorCooldown:
    """Ops put a vendor on cooldown in one environment (``body.environment``, default live) until ``until``
    (validated: future, at most the configured maximum); the other environment is untouched."""
    account = _vendor(vendor_id)
    manual = cooldown.validate_manual(utc(body.until), body.reason, clock.now(), config.settings().cooldown)

    def record(now: datetime, _: cooldown.CooldownState) -> Change:
        target = Target("vendor", vendor_id, body.environment)
        until = {"until": clock.to_rfc3339(manual.until)}
        return Change(Actor.of(p), target, "cooldown_set", None, until, now, reason=manual.reason)

    return _save_ops_change(
        p, account, body.environment, lambda s: cooldown.set_manual(s, manual), manual.reason, record
    )


@retry_on_conflict()
def lift_cooldown(p: Principal, vendor_id: str, environment: str = "live") -> VendorCooldown:
    """Ops lift a vendor's cooldown in ``environment`` (default live)."""

    def record(now: datetime, before: cooldown.CooldownState) -> Change:
        target = Target("vendor", vendor_id, environment)
        data = {"refused_during_cooldown": before.refusals}
        return Change(Actor.of(p), target, "cooldown_lift", None, data, now)

    return _save_ops_change(p, _vendor(vendor_id), environment, cooldown.lift, None, record)


def cooldown_conflict(vendor_id: str, now: datetime, environment: str) -> DomainError:
    """The precise 429 after a write's cooldown guard refused (read only on that failure path), judged at the
    same ``now`` the guard used, so a cooldown ending mid-request still answers 429 with a Retry-After."""
    account = accounts.get(vendor_id)
    until = _stored(account, environment).state.cooldown_until if account else None
    try:
        cooldown.ensure_not_cooling_down(until, now)
    except TooManyRequests as exc:
        return exc
    return TooManyRequests("This vendor is cooling down; retry in a second.", code="vendor_cooldown", retry_after=1)
