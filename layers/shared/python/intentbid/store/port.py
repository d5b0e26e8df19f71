"""The store as a port: what services may ask of persistence, in domain terms.

Services call verbs (``submit_offer``, ``transition_rfo``, ``revise_offer``, ...) and describe each change's
record as one :class:`Change`; the implementation (:mod:`intentbid.store.dynamo`) owns every condition, update
action and the audit entry + outbox event a change expands to, all in one transaction. Nothing here imports
PynamoDB: services, and the in-memory fake of the unit tests, type against these protocols only.

:func:`store` returns the process's implementation (built lazily, so importing a service costs no PynamoDB
import it does not already pay); :func:`use` swaps it (tests).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from intentbid.domain.limits import CounterLimit


class TransactionConflict(Exception):
    """DynamoDB cancelled the transaction because another one touched the same item at the same time.
    Nothing was written; the use case re-reads and decides again (:func:`intentbid.services.retry`)."""


class ConditionFailed(Exception):
    """A guarded write lost. ``failed`` lists the items whose condition failed as (logical table, key string):
    callers ask :meth:`failed_on` which guard refused (``"rfos"``, ``"offers"``, ``"accounts"``,
    ``"rate-limits"`` with the limit's key)."""

    def __init__(self, failed: list[tuple[str, str]]) -> None:
        super().__init__("transaction condition failed")
        self.failed = failed

    def failed_on(self, table: str, key: str | None = None) -> bool:
        return any(t == table and (key is None or k == key) for t, k in self.failed)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted: a principal (kind, id, key) or the system (the expiry worker), with request context."""

    kind: str
    id: str
    key_id: str | None = None
    request_id: str | None = None
    source_ip: str | None = None

    @classmethod
    def of(cls, principal: Any) -> Actor:
        return cls(principal.kind, principal.id, principal.key_id, principal.request_id, principal.source_ip)

    @classmethod
    def system(cls, request_id: str | None = None) -> Actor:
        return cls("system", "system", None, request_id, None)


@dataclass(frozen=True, slots=True)
class Target:
    """What a change is about: its type (``rfo``, ``offer``, ``api_key``, ...), id and environment."""

    type: str
    id: str
    environment: str


@dataclass(frozen=True, slots=True)
class Change:
    """One change as the audit log and the outbox record it: the transaction that writes the change expands it
    into an append-only audit entry (``data`` is its payload) and, when ``event`` is set, an outbox event
    (``event_data``, or ``data`` when None, is its data; ``event_subject``, or the target's id, its subject —
    a registration is audited on the account but announces its first key)."""

    actor: Actor
    target: Target
    action: str
    event: str | None
    data: Mapping[str, Any]
    at: datetime
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None
    event_data: Mapping[str, Any] | None = field(default=None)
    event_subject: str | None = None


# --- records as services read them ---------------------------------------------------------------------


class Rfo(Protocol):
    """An RFO as read from the store."""

    @property
    def id(self) -> str: ...
    @property
    def buyer_id(self) -> str: ...
    @property
    def environment(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def status_reason(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def category(self) -> str: ...
    @property
    def quantity(self) -> float: ...
    @property
    def unit(self) -> str: ...
    @property
    def budget_max(self) -> float: ...
    @property
    def currency(self) -> str: ...
    @property
    def delivery_region(self) -> str: ...
    @property
    def need_by(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def scoring_version(self) -> str: ...
    @property
    def weights(self) -> Any: ...
    @property
    def disclosure(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def deleted_at(self) -> datetime | None: ...
    @property
    def awarded_offer_id(self) -> str | None: ...
    @property
    def deadline_version(self) -> float: ...
    @property
    def public_token_hash(self) -> str | None: ...
    @property
    def public_show_prices(self) -> bool | None: ...
    @property
    def weights_generation(self) -> float | None: ...
    @property
    def ranking_status(self) -> str | None: ...


class Offer(Protocol):
    """An offer as read from the store."""

    @property
    def rfo_id(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def vendor_id(self) -> str: ...
    @property
    def environment(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def unit_price(self) -> float: ...
    @property
    def currency(self) -> str: ...
    @property
    def quantity_available(self) -> float: ...
    @property
    def delivery_date(self) -> datetime: ...
    @property
    def availability_confirmed(self) -> bool: ...
    @property
    def valid_until(self) -> datetime: ...
    @property
    def notes(self) -> str | None: ...
    @property
    def revision(self) -> float: ...
    @property
    def submitted_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def score(self) -> str | None: ...
    @property
    def score_detail(self) -> str | None: ...
    @property
    def score_generation(self) -> float | None: ...
    @property
    def rank_key(self) -> str | None: ...
    @property
    def vendor_name(self) -> str | None: ...


class RankedOffer(Protocol):
    """What a ranking page reads of an offer (the by_rank index; a subset of :class:`Offer`)."""

    @property
    def rfo_id(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def vendor_id(self) -> str: ...
    @property
    def vendor_name(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def unit_price(self) -> float: ...
    @property
    def quantity_available(self) -> float: ...
    @property
    def delivery_date(self) -> datetime: ...
    @property
    def valid_until(self) -> datetime: ...
    @property
    def submitted_at(self) -> datetime: ...
    @property
    def revision(self) -> float: ...
    @property
    def score(self) -> str | None: ...
    @property
    def score_detail(self) -> str | None: ...
    @property
    def score_generation(self) -> float | None: ...
    @property
    def rank_key(self) -> str | None: ...


class AuditRecord(Protocol):
    """An audit entry as read back."""

    @property
    def target_id(self) -> str: ...
    @property
    def target_type(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def actor_kind(self) -> str: ...
    @property
    def actor_id(self) -> str: ...
    @property
    def key_id(self) -> str | None: ...
    @property
    def from_status(self) -> str | None: ...
    @property
    def to_status(self) -> str | None: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def payload(self) -> str: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def source_ip(self) -> str | None: ...
    @property
    def environment(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


class Account(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


class ApiKey(Protocol):
    @property
    def key_id(self) -> str: ...
    @property
    def owner_id(self) -> str: ...
    @property
    def owner_kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def prefix(self) -> str: ...
    @property
    def last4(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def scopes(self) -> Any: ...
    @property
    def ip_allowlist(self) -> Any: ...
    @property
    def environment(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def last_used_at(self) -> datetime | None: ...
    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def successor_key_id(self) -> str | None: ...


class Flag(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def vendor_id(self) -> str: ...
    @property
    def rfo_id(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def evidence(self) -> str: ...
    @property
    def environment(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


class Rejection(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def vendor_id(self) -> str: ...
    @property
    def rfo_id(self) -> str | None: ...
    @property
    def offer_id(self) -> str | None: ...
    @property
    def action(self) -> str: ...
    @property
    def environment(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def errors(self) -> str: ...
    @property
    def at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class OfferRevision:
    """The new terms of a revision; ``notes`` is set when ``set_notes`` (None then removes them)."""

    unit_price: int
    quantity_available: int
    delivery_date: datetime
    valid_until: datetime
    set_notes: bool = False
    notes: str | None = None
    score: Mapping[str, Any] | None = None  # the stored score's fields (None: none stored, e.g. relative)


class RfoStore(Protocol):
    def get_rfo(self, rfo_id: str) -> Rfo | None: ...

    def create_rfo(self, fields: Mapping[str, Any], change: Change) -> Rfo:
        """Write a new OPEN RFO (``fields`` are its attributes, with its id) with its change record."""
        ...

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
        """A buyer's transition (close, reopen): only while the RFO keeps the status, the deadline and the
        version it was read at and is not deleted (``ConditionFailed.failed_on("rfos")`` otherwise). Returns
        the RFO as written (no re-read)."""
        ...

    def award_rfo(self, rfo: Rfo, winner: Offer, losers: Sequence[Offer], reason: str | None, change: Change) -> Rfo:
        """AWARDED under the buyer's guard, the winner won at the revision read and still active, as many
        losers as one transaction holds lost while still active (``failed_on("offers")`` when one of them
        moved), each with its ``offer.won`` / ``offer.lost`` event, and the ``rfo.losers_pending`` event that
        starts the sweep of the rest (:meth:`active_losers`, :meth:`mark_lost`). Returns the RFO as written."""
        ...

    def active_losers(self, rfo_id: str, winner_id: str, after: str | None, limit: int) -> list[Offer]:
        """Up to ``limit`` offers of the RFO still active but the winner, by id past ``after`` (strongly
        consistent)."""
        ...

    def mark_lost(self, rfo: Rfo, losers: Sequence[Offer], after: str | None, at: datetime) -> None:
        """One batch of the sweep: while the RFO is awarded, each loser active -> lost with its ``offer.lost``
        event (``failed_on("offers")`` when one already moved: nothing written), and, when ``after`` is given,
        the ``rfo.losers_pending`` event that continues past it."""
        ...

    def delete_rfo(self, rfo: Rfo, change: Change) -> None:
        """Soft delete while the RFO keeps its status and version."""
        ...

    def expire_rfo(self, rfo: Rfo, deadline_version: int, reason: str, change: Change) -> None:
        """EXPIRED while still OPEN or CLOSED under ``deadline_version``."""
        ...

    def set_rfo_weights(
        self, rfo: Rfo, weights: Mapping[str, str], scoring_version: str, change: Change, *, recompute: bool = True
    ) -> Rfo:
        """New weights under the buyer's guard and the next ``weights_generation``; with ``recompute`` the RFO's
        ``ranking_status`` is ``recomputing`` and the ``rfo.ranking_pending`` event starts the recompute of its
        stored scores (:meth:`offers_to_rescore`, :meth:`write_scores`), else ``current``. Returns the RFO as
        written."""
        ...

    def offers_to_rescore(self, rfo_id: str, generation: int, after: str | None, limit: int) -> list[Offer]:
        """Up to ``limit`` ranked offers past the id ``after`` whose stored score is older than ``generation``
        (strongly consistent, in id order)."""
        ...

    def write_scores(
        self,
        rfo: Rfo,
        generation: int,
        rows: Sequence[tuple[Offer, Mapping[str, Any]]],
        after: str | None,
        at: datetime,
    ) -> None:
        """One recompute batch: while the RFO is at ``generation``, each offer's stored score (only while it keeps
        its revision, is ranked and has no newer score: ``failed_on("offers")`` otherwise, nothing written); then
        the ``rfo.ranking_pending`` event continuing past ``after`` or, without ``after``, the RFO's ranking
        ``current``."""
        ...

    def share_rfo(self, rfo: Rfo, token_hash: str, show_prices: bool, change: Change) -> None:
        """Give the RFO a public share token (by its hash), replacing any previous one, unless deleted."""
        ...

    def unshare_rfo(self, rfo: Rfo, change: Change) -> None:
        """Revoke the RFO's share token, unless deleted."""
        ...

    def find_shared_rfo(self, token_hash: str) -> Rfo | None:
        """The RFO shared under ``token_hash`` (read consistently after the index lookup)."""
        ...

    def rfos_of_buyer(
        self, buyer_id: str, *, limit: int, cursor: str | None, status: str | None, now: datetime
    ) -> tuple[list[Rfo], str | None]: ...

    def open_rfos(
        self,
        environment: str,
        *,
        limit: int,
        cursor: str | None,
        now: datetime,
        category: str | None,
        region: str | None,
    ) -> tuple[list[Rfo], str | None]: ...

    def rfos_by_status(
        self, *, limit: int, cursor: str | None, environment: str, status: str
    ) -> tuple[list[Rfo], str | None]: ...


class OfferStore(Protocol):
    def get_offer(self, rfo_id: str, offer_id: str) -> Offer | None:
        """Strongly consistent, by the full key (a re-read after a lost race)."""
        ...

    def find_offer(self, offer_id: str) -> Offer | None:
        """By id alone, strongly consistent (right after its submission too)."""
        ...

    def offers_of_rfo(self, rfo_id: str) -> Iterator[Offer]:
        """Every offer of an RFO, strongly consistent."""
        ...

    def offers_page_of_rfo(
        self, rfo_id: str, *, limit: int, cursor: str | None, vendor_id: str | None = None
    ) -> tuple[list[Offer], str | None]: ...

    def offers_page_of_vendor(
        self, vendor_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[Offer], str | None]: ...

    def submit_offer(
        self,
        fields: Mapping[str, Any],
        limits: Sequence[CounterLimit],
        change: Change,
        *,
        generation: int | None = None,
    ) -> Offer:
        """Write a new active offer while its RFO is OPEN before its deadline and at the weights ``generation``
        its stored score (in ``fields``) was computed under, its vendor is not cooling down (in the offer's
        environment) and every limit's counter has room; each counter is incremented."""
        ...

    def revise_offer(
        self, offer: Offer, revision: OfferRevision, change: Change, *, generation: int | None = None
    ) -> Offer:
        """The offer at its next revision, written only while it is active at the revision read, its RFO is
        OPEN at the weights ``generation`` of the revision's stored score and its vendor not cooling down;
        returns the revised offer."""
        ...

    def stamp_vendor_name(self, rfo_id: str, offer_id: str, name: str) -> bool:
        """The vendor's name on its offer, written once (False: the offer is gone or already has one), so a
        ranking page needs no read of the accounts."""
        ...

    def ranking_page(self, rfo_id: str, start: Mapping[str, Any] | None, page_size: int) -> Iterator[RankedOffer]:
        """The RFO's offers with a stored score in ranking order (the by_rank index, strongly consistent) from
        ``start``, read ``page_size`` per call as iterated (stop iterating to stop reading)."""
        ...

    def withdraw_offer(self, offer: Offer, change: Change) -> Offer:
        """Withdrawn, under the same guards as a revision but the cooldown."""
        ...


class Store(RfoStore, OfferStore, Protocol):
    """Everything the RFO and offer use cases ask of persistence."""


# --- webhook endpoints (their own port: :mod:`intentbid.store.webhooks`) -----------------------------------


class WebhookEndpoint(Protocol):
    """A webhook endpoint as read from the store (its secrets sealed)."""

    @property
    def id(self) -> str: ...
    @property
    def owner_id(self) -> str: ...
    @property
    def owner_kind(self) -> str: ...
    @property
    def environment(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def events(self) -> Any: ...
    @property
    def description(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def disabled_reason(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def secret_sealed(self) -> str | None: ...
    @property
    def previous_secret_sealed(self) -> str | None: ...
    @property
    def previous_secret_expires_at(self) -> datetime | None: ...
    @property
    def secret_rotated_at(self) -> datetime | None: ...
    @property
    def deleted_at(self) -> datetime | None: ...
    @property
    def failing_since(self) -> datetime | None: ...


class WebhookStore(Protocol):
    def get_webhook(self, owner_id: str, webhook_id: str) -> WebhookEndpoint | None:
        """Strongly consistent, deleted ones included (callers treat them as absent)."""
        ...

    def webhooks_of(
        self, owner_id: str, environment: str, *, limit: int, cursor: str | None
    ) -> tuple[list[WebhookEndpoint], str | None]:
        """The owner's live endpoints of one environment, in id (creation) order."""
        ...

    def count_webhooks(self, owner_id: str, environment: str) -> int: ...

    def create_webhook(self, fields: Mapping[str, Any], change: Change) -> WebhookEndpoint:
        """Write a new endpoint (``fields``: its attributes, id and sealed secret included)."""
        ...

    def update_webhook(self, endpoint: WebhookEndpoint, changes: Mapping[str, Any], change: Change) -> None:
        """Set each field of ``changes`` (None removes it) while the endpoint is not deleted and still has the
        sealed secret it was read with (``ConditionFailed.failed_on("webhooks")`` otherwise)."""
        ...

    def delete_webhook(self, endpoint: WebhookEndpoint, change: Change, expire_at: int) -> None:
        """Mark deleted, drop its secrets, let its TTL remove it at ``expire_at`` (epoch s)."""
        ...

    def endpoints_of(self, owner_id: str, environment: str) -> list[WebhookEndpoint]:
        """Every enabled endpoint of the owner in one environment (the fan-out to one account)."""
        ...

    def endpoints_of_audience(self, environment: str, owner_kind: str) -> list[WebhookEndpoint]:
        """Every enabled endpoint of one environment and account kind (the fan-out of ``rfo.created``)."""
        ...

    def set_failing_since(self, endpoint: WebhookEndpoint, since: datetime | None) -> None:
        """Start (the first failure of a streak only) or end the endpoint's failing streak; no audit entry."""
        ...


_webhooks: WebhookStore | None = None


def webhook_store() -> WebhookStore:
    global _webhooks
    if _webhooks is None:
        from intentbid.store.webhooks import DynamoWebhookStore

        _webhooks = DynamoWebhookStore()
    return _webhooks


_current: Store | None = None


def store() -> Store:
    global _current
    if _current is None:
        from intentbid.store.dynamo import DynamoStore

        _current = DynamoStore()
    return _current


@contextmanager
def use(implementation: Store) -> Iterator[Store]:
    """Run with ``implementation`` as the store (tests), restoring the previous one after."""
    global _current
    previous, _current = _current, implementation
    try:
        yield implementation
    finally:
        _current = previous
