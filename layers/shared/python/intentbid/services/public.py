"""Public read-only RFO view by share token: unguessable (256 bits), revocable, limited fields, rate limited
per source IP, and stored only as a SHA-256 hash (like API keys)."""

from __future__ import annotations

import hashlib
import re
import secrets

from intentbid import config
from intentbid.domain import clock
from intentbid.domain.errors import NotFound
from intentbid.domain.lifecycle import effective_status
from intentbid.domain.principal import Principal
from intentbid.schemas.rfos import PublicRfo, PublicToken, PublicTokenCreate
from intentbid.services import ownership, retry_on_conflict
from intentbid.store.port import Actor, Change, Target, store

_TOKEN_RE = re.compile(r"^pub_[A-Za-z0-9_-]{43}$")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@retry_on_conflict()
def create_token(p: Principal, rfo_id: str, body: PublicTokenCreate) -> PublicToken:
    """A new share token for the buyer's RFO; any previous token stops working."""
    rfo = ownership.own_rfo(p, rfo_id)
    token = "pub_" + secrets.token_urlsafe(32)
    now = clock.now()
    target = Target("rfo", rfo.id, rfo.environment)
    change = Change(Actor.of(p), target, "public_token_create", None, {"show_prices": body.show_prices}, now)
    store().share_rfo(rfo, _hash(token), body.show_prices, change)
    base = config.settings().deployment.public_base_url.rstrip("/")
    return PublicToken(token=token, url=f"{base}/v1/public/rfos/{token}")


@retry_on_conflict()
def revoke_token(p: Principal, rfo_id: str) -> None:
    rfo = ownership.own_rfo(p, rfo_id)
    if rfo.public_token_hash is None:
        return
    target = Target("rfo", rfo.id, rfo.environment)
    store().unshare_rfo(rfo, Change(Actor.of(p), target, "public_token_revoke", None, {}, clock.now()))


def view(token: str) -> PublicRfo:
    """404 for a malformed, unknown or revoked token, or a deleted RFO — all alike."""
    if not _TOKEN_RE.match(token):
        raise NotFound("No such RFO.")
    rfo = store().find_shared_rfo(_hash(token))
    if rfo is None or rfo.deleted_at is not None:
        raise NotFound("No such RFO.")
    offers = [o for o in store().offers_of_rfo(rfo.id) if o.status in ("active", "won", "lost")]
    show = bool(rfo.public_show_prices)
    return PublicRfo(
        title=rfo.title,
        description=rfo.description,
        category=rfo.category,
        quantity=int(rfo.quantity),
        unit=rfo.unit,
        delivery_region=rfo.delivery_region,
        need_by=rfo.need_by,
        expires_at=rfo.expires_at,
        status=effective_status(rfo.status, rfo.expires_at, clock.now()),  # type: ignore[arg-type]
        offer_count=len(offers),
        currency=rfo.currency if show else None,
        budget_max=int(rfo.budget_max) if show else None,
        lowest_unit_price=min((int(o.unit_price) for o in offers), default=None) if show else None,
    )
