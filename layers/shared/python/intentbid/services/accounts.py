from __future__ import annotations

from intentbid import observability as obs
from intentbid.domain import clock, ids
from intentbid.domain.principal import ACCOUNT_PREFIX, KIND_SCOPES, Principal
from intentbid.schemas.accounts import (
    Account,
    BuyerRegistration,
    Me,
    RegisterRequest,
    VendorRegistration,
)
from intentbid.services.views.accounts import account_view, key_view
from intentbid.store import accounts as store
from intentbid.store.api_keys import new_key
from intentbid.store.port import Account as AccountRecord
from intentbid.store.port import Actor, ApiKey, Change, Target


def _create(
    kind: str,
    name: str,
    email: str | None,
    environment: str,
    request_id: str | None = None,
    source_ip: str | None = None,
) -> tuple[AccountRecord, ApiKey, str]:
    now = clock.now()
    account_id = ids.new_id(ACCOUNT_PREFIX[kind])
    key, secret = new_key(
        owner_id=account_id,
        owner_kind=kind,
        name="default",
        scopes=sorted(KIND_SCOPES[kind]),
        environment=environment,
        now=now,
    )
    # The audit entry is the account's registration; the event announces its first key.
    change = Change(
        Actor(kind, account_id, key.key_id, request_id, source_ip),
        Target(kind, account_id, environment),
        "register",
        "key.created",
        {"key_id": key.key_id, "name": name},
        now,
        event_data={"owner_id": account_id, "owner_kind": kind, "key_id": key.key_id},
        event_subject=key.key_id,  # as every key.created: the key is the event's subject
    )
    account = store.create_with_key(
        {"id": account_id, "kind": kind, "name": name, "email": email, "status": "active", "created_at": now},
        key,
        change,
    )
    obs.logger.info("account registered", extra={"account_id": account.id, "kind": kind, "key_id": key.key_id})
    obs.count("AccountsRegistered")
    return account, key, secret


def register(
    kind: str, req: RegisterRequest, *, request_id: str | None = None, source_ip: str | None = None
) -> VendorRegistration | BuyerRegistration:
    """Create a vendor or buyer with its first key (all scopes of its kind). The secret is returned once."""
    account, key, secret = _create(
        kind, req.name, req.email.lower(), "test" if req.sandbox else "live", request_id, source_ip
    )
    if kind == "vendor":
        return VendorRegistration(vendor=account_view(account), api_key=secret, key=key_view(key))
    return BuyerRegistration(buyer=account_view(account), api_key=secret, key=key_view(key))


def create_admin(name: str = "ops") -> tuple[Account, str]:
    """Bootstrap an admin (ops) account and key. Not reachable over HTTP: run by the local runtime and by
    ``python -m intentbid_local.admin_key`` against a stage's tables (README, Operations)."""
    account, _key, secret = _create("admin", name, None, "live")
    return account_view(account), secret


def me(principal: Principal) -> Me:
    account = store.get(principal.id)  # the name: what a client shows next to the id
    return Me(
        kind=principal.kind,
        id=principal.id,
        name=account.name if account else None,
        key_id=principal.key_id,  # type: ignore[arg-type]
        scopes=sorted(principal.scopes),
        environment=principal.environment,
    )  # type: ignore[arg-type]
