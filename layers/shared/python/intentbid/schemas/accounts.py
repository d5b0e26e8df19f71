from __future__ import annotations

from typing import Literal

from pydantic import Field

from intentbid.schemas.common import Out, StrictModel, Timestamp

EMAIL_PATTERN = r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"


class RegisterRequest(StrictModel):
    name: str = Field(min_length=1, max_length=200)
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
    key_id: str
    scopes: list[str]
    environment: Literal["live", "test"]
