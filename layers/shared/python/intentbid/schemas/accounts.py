from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from intentbid.domain import cidr
from intentbid.domain.events import MAX_EVENTS
from intentbid.schemas.common import Integer, InTimestamp, Out, StrictModel, Text, Timestamp

# ASCII classes only: ``\s`` is not the same set in pydantic's (Rust) regex and in JSON Schema's (ECMA-262) -
# U+0085 is whitespace to one and not the other - and the document must refuse exactly what the server refuses.
# Quotes as \x22/\x27: ``\"`` is no valid escape in a Unicode-mode ECMA-262 regex (JSON Schema tools use one).
EMAIL_PATTERN = (
    r"^[^@\x00-\x20\x7f<>\x22\x27]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"
)


class RegisterRequest(StrictModel):
    name: Text = Field(min_length=1, max_length=200)
    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    company: str | None = Field(None, max_length=200)
    website: str | None = Field(None, max_length=500)
    sandbox: bool = Field(False, description="Issue an ib_test_ (sandbox) first key instead of ib_live_")


class Account(Out):
    id: str
    object: Literal["vendor", "buyer", "admin"]
    name: str
    email: str | None = None
    status: str
    created_at: Timestamp
    notify_email: str | None = Field(
        None, description="Where notification emails go (default: the registration email; admins: null)"
    )
    email_events: list[str] = Field(
        default_factory=list,
        description="The event types emailed to notify_email (default: offer.won, webhook.disabled and "
        "billing.payment_failed for vendors, webhook.disabled for buyers); live events only",
    )


class AccountPatch(StrictModel):
    """The account's notification email settings (API.md "Email"). ``email_events: []`` stops every email."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        str_strip_whitespace=True,
        json_schema_extra={
            "anyOf": [
                {"required": ["notify_email"], "properties": {"notify_email": {"type": "string"}}},
                {"required": ["email_events"], "properties": {"email_events": {"type": "array"}}},
            ]
        },
    )

    notify_email: str | None = Field(
        None, max_length=254, pattern=EMAIL_PATTERN, description="Where notification emails go from now on"
    )
    email_events: list[str] | None = Field(
        None,
        max_length=MAX_EVENTS,
        description="Event types to email (the catalog's types your kind receives, except rfo.created and "
        "webhook.test); [] for none",
    )


class KeyInfo(Out):
    """A key as lists show it: never the secret."""

    id: str
    object: Literal["api_key"] = "api_key"
    key_id: str
    name: str
    prefix: str
    last4: str
    status: Literal["active", "revoked", "expired"]
    scopes: list[str]
    ip_allowlist: list[str]
    environment: Literal["live", "test"]
    created_at: Timestamp
    last_used_at: Timestamp | None = None
    expires_at: Timestamp | None = None
    revoked_at: Timestamp | None = None
    successor_key_id: str | None = Field(None, description="Set once the key was rotated (a key has one successor)")


class VendorRegistration(Out):
    vendor: Account
    api_key: str | None = Field(
        description="The secret, shown once; only its SHA-256 hash is stored. null on an "
        "idempotent replay: the secret is never stored anywhere, not even for replays."
    )
    key: KeyInfo


class BuyerRegistration(Out):
    buyer: Account
    api_key: str | None = Field(
        description="The secret, shown once; only its SHA-256 hash is stored. null on an "
        "idempotent replay: the secret is never stored anywhere, not even for replays."
    )
    key: KeyInfo


class Me(Out):
    object: Literal["principal"] = "principal"
    kind: Literal["vendor", "buyer", "admin"]
    id: str
    name: str | None = Field(None, description="The account's name (as registered); null if it is gone")
    key_id: str
    scopes: list[str]
    environment: Literal["live", "test"]
    notify_email: str | None = Field(None, description="The account's notification email (null for admins)")
    email_events: list[str] = Field(default_factory=list, description="The event types emailed to it")


# Documented, not enforced by pydantic: :func:`intentbid.domain.cidr.normalise` validates and names each bad entry.
Cidr = Annotated[str, Field(json_schema_extra={"pattern": cidr.PATTERN, "description": "IPv4/IPv6 address or CIDR"})]


class KeyCreate(StrictModel):
    name: Text = Field(min_length=1, max_length=100)
    scopes: list[str] | None = Field(None, max_length=20, description="Default: every scope of your kind")
    ip_allowlist: list[Cidr] = Field(
        default_factory=list, max_length=50, description="IPv4/IPv6 addresses or CIDRs; empty = any address"
    )
    expires_at: InTimestamp | None = None
    environment: Literal["live", "test"] | None = Field(None, description="Default: the calling key's")


def _at_least_one_of(*fields: tuple[str, str]) -> dict[str, Any]:
    """JSON Schema for "give at least one of these, not null" (the server answers "Nothing to change" otherwise)."""
    return {"anyOf": [{"required": [name], "properties": {name: {"type": kind}}} for name, kind in fields]}


class KeyPatch(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        str_strip_whitespace=True,
        json_schema_extra=_at_least_one_of(("name", "string"), ("scopes", "array"), ("ip_allowlist", "array")),
    )

    name: Text | None = Field(None, min_length=1, max_length=100)
    scopes: list[str] | None = Field(None, max_length=20, description="May only narrow the key's scopes")
    ip_allowlist: list[Cidr] | None = Field(None, max_length=50)


class KeyRotate(StrictModel):
    """A key is rotated once (then 409 ``key_already_rotated``), only by a key holding all its scopes."""

    grace_seconds: Integer = Field(
        86_400, ge=0, le=604_800, description="How long the old key keeps working (default one day)"
    )


class KeyCreated(Out):
    key: KeyInfo
    api_key: str | None = Field(description="The secret, shown once; null on an idempotent replay")


class KeyPage(Out):
    object: Literal["list"] = "list"
    data: list[KeyInfo]
    next_cursor: str | None = None
