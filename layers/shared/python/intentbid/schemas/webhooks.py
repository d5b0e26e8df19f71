from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from intentbid.domain.events import MAX_EVENTS
from intentbid.domain.url_rules import MAX_URL_CHARS
from intentbid.schemas.accounts import _at_least_one_of
from intentbid.schemas.common import Integer, InTimestamp, Out, PageQuery, StrictModel, Timestamp

MAX_DESCRIPTION = 500
EventType = str  # validated against the event catalog (intentbid.domain.events), which names each bad entry

_URL = Field(
    max_length=MAX_URL_CHARS,
    description="https URL on a public host (API.md 'Webhook URL rules'); checked again at every connection",
)
_EVENTS = Field(
    min_length=1,
    max_length=MAX_EVENTS,
    description='Event types of the catalog (API.md "Events") this endpoint receives, or ["*"] for all',
)


class WebhookCreate(StrictModel):
    url: str = _URL
    events: list[EventType] = _EVENTS
    description: str | None = Field(None, max_length=MAX_DESCRIPTION)


class WebhookPatch(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        str_strip_whitespace=True,
        json_schema_extra=_at_least_one_of(
            ("url", "string"), ("events", "array"), ("description", "string"), ("status", "string")
        ),
    )

    url: str | None = Field(None, max_length=MAX_URL_CHARS)
    events: list[EventType] | None = Field(None, min_length=1, max_length=MAX_EVENTS)
    description: str | None = Field(None, max_length=MAX_DESCRIPTION, description='"" removes it')
    status: Literal["enabled", "disabled"] | None = Field(
        None, description="enabled re-enables (an auto-disabled endpoint too); disabled pauses deliveries"
    )


class WebhookRotate(StrictModel):
    grace_seconds: Integer = Field(
        86_400, ge=0, le=604_800, description="How long the previous secret keeps signing too (default one day)"
    )


class LastDelivery(Out):
    """The endpoint's newest delivery (of the newest event sent to it), at a glance."""

    id: str
    object: Literal["webhook_last_delivery"] = "webhook_last_delivery"
    event_type: str
    status: Literal["pending", "succeeded", "failed", "dead"]
    attempt: int = Field(description="Attempts made so far")
    response_status: int | None = Field(None, description="The last attempt's HTTP status; null when none came")
    response_ms: int | None = Field(None, description="The last attempt's latency")
    error: str | None = None
    at: Timestamp = Field(description="When it last changed (its last attempt, or queued)")


class Webhook(Out):
    """An endpoint as its owner sees it: never a secret."""

    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str
    events: list[str]
    status: Literal["enabled", "disabled"]
    description: str | None = None
    environment: Literal["live", "test"]
    created_at: Timestamp
    updated_at: Timestamp
    disabled_reason: str | None = Field(None, description="Why it is disabled (manual, gone, failing); null if enabled")
    secret_rotated_at: Timestamp | None = None
    previous_secret_expires_at: Timestamp | None = Field(
        None, description="Until then the previous secret signs too (a rotation's grace)"
    )
    last_delivery: LastDelivery | None = Field(
        None,
        description="The newest delivery to this endpoint (GET and list; null before the first, and in other answers "
        "and event payloads)",
    )


_SECRET_DOC = "The signing secret (Standard Webhooks whsec_...), shown once; null on an idempotent replay"  # noqa: S105 - a description


class WebhookCreated(Out):
    webhook: Webhook
    secret: str | None = Field(description=_SECRET_DOC)


class WebhookSecret(Out):
    object: Literal["webhook_secret"] = "webhook_secret"
    webhook_id: str
    secret: str | None = Field(description=_SECRET_DOC)
    previous_secret_expires_at: Timestamp | None = Field(
        description="Until then both secrets sign each delivery (two entries in webhook-signature); null: no grace"
    )


class WebhookPage(Out):
    object: Literal["list"] = "list"
    data: list[Webhook]
    next_cursor: str | None = None


# --- deliveries -------------------------------------------------------------------------------------------

DeliveryStatus = Literal["pending", "succeeded", "failed", "dead"]


class DeliveryQuery(PageQuery):
    status: DeliveryStatus | None = Field(
        None, description="pending (queued), succeeded, failed (a retry may be due: next_attempt_at), dead (DLQ)"
    )


class DeliveryAttempt(Out):
    """One attempt as recorded: never a header or a secret."""

    attempt: int
    at: Timestamp
    status: Literal["succeeded", "failed"]
    response_status: int | None = Field(None, description="The receiver's HTTP status; null when none came")
    response_ms: int
    response_excerpt: str = Field("", description="The first KB of the receiver's answer, as text")
    error: str | None = Field(
        None,
        description="timeout, dns, refused, tls, blocked_address, redirect, http_status, connection, "
        "url_not_allowed, endpoint_disabled; null on success",
    )


class Delivery(Out):
    """One event's delivery to one endpoint; the fields of its last attempt, and (one delivery) every attempt."""

    id: str
    object: Literal["webhook_delivery"] = "webhook_delivery"
    webhook_id: str
    event_id: str = Field(description="Also the webhook-id header of every attempt")
    event_type: str
    status: DeliveryStatus
    attempt: int = Field(description="Attempts made so far")
    response_status: int | None = None
    response_ms: int | None = None
    response_excerpt: str | None = None
    error: str | None = None
    next_attempt_at: Timestamp | None = None
    at: Timestamp = Field(description="When it last changed (its last attempt, or queued)")
    event_created_at: Timestamp
    attempts: list[DeliveryAttempt] | None = Field(None, description="Every attempt, oldest first (one delivery)")


class DeliveryPage(Out):
    object: Literal["list"] = "list"
    data: list[Delivery]
    next_cursor: str | None = None


class DeliveryQueued(Out):
    delivery: Delivery


class WebhookTest(StrictModel):
    type: Literal["webhook.test"] = Field("webhook.test", description="The event type of the test delivery")


class WebhookRecover(StrictModel):
    since: InTimestamp = Field(description="Re-send every failed or dead delivery of events from then...")
    until: InTimestamp | None = Field(None, description="...until then (default: now)")


class Recovered(Out):
    object: Literal["webhook_recovery"] = "webhook_recovery"
    queued: int = Field(description="Deliveries queued again")
