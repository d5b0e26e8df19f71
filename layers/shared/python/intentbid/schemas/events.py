"""The event log (``GET /v1/events``) and the event envelope every channel carries (API.md "Webhooks and
events"). Each event type's ``data.object`` is the object the API returns (:data:`OBJECT_SCHEMAS`), published per
type in the OpenAPI document's ``webhooks`` section."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from intentbid.schemas.common import InTimestamp, Out, PageQuery, Timestamp

# event type -> the schema (``"<module>:<Class>"`` under intentbid.schemas) of its ``data.object``; None: an
# object the catalog describes without a response model of the API yet (billing's, ops-only).
OBJECT_SCHEMAS: dict[str, str | None] = {
    "rfo.created": "rfos:Rfo",
    "rfo.updated": "rfos:Rfo",
    "rfo.closed": "rfos:Rfo",
    "rfo.reopened": "rfos:Rfo",
    "rfo.awarded": "rfos:Rfo",
    "rfo.expired": "rfos:Rfo",
    "offer.submitted": "offers:Offer",
    "offer.revised": "offers:Offer",
    "offer.withdrawn": "offers:Offer",
    "offer.won": "offers:Offer",
    "offer.lost": "offers:Offer",
    "vendor.flagged": None,
    "key.created": "accounts:KeyInfo",
    "key.revoked": "accounts:KeyInfo",
    "webhook.test": "webhooks:Webhook",
    "webhook.disabled": "webhooks:Webhook",
    "billing.subscription_updated": None,
    "billing.payment_failed": None,
    "billing.quota_reached": None,
}


class EventQuery(PageQuery):
    type: str | None = Field(
        None, max_length=64, description="Only events of this type (one of the event catalog's, for the caller's kind)"
    )
    since: InTimestamp | None = Field(None, description="Only events at or after this time (catch-up after downtime)")


class EventData(Out):
    """``object``: the object the API returns (per type: the OpenAPI ``webhooks`` section); an object too large
    for a 20 KB body is thin, ``{id, object}``, with ``url``."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    object: dict[str, Any]


class Event(Out):
    """An event as webhooks carry it (the body of a delivery, byte for byte the same fields)."""

    id: str = Field(description="evt_...; also the webhook-id header of its deliveries")
    type: str = Field(description='One of the event catalog (API.md "Events")')
    created_at: Timestamp
    livemode: bool = Field(description="false: a sandbox (ib_test_) event")
    data: EventData


class EventPage(Out):
    object: Literal["list"] = "list"
    data: list[Event] = Field(description="Newest first")
    next_cursor: str | None = None
