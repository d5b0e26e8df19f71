"""Webhook endpoints of vendors and buyers: create, list, get, patch (re-enable included), delete, rotate.

An endpoint belongs to its owner and to the environment of the key that created it: a sandbox (``ib_test_``)
key sees and manages only sandbox endpoints, a live key only live ones; anything else - another tenant's, the
other environment's, a deleted one - is a 404 as if absent. URLs pass the outbound guard's rules at create and
patch (:func:`intentbid.adapters.outbound.check_url`) and again at every connection; subscriptions name event
types of the catalog (:mod:`intentbid.domain.events`).

The signing secret (``whsec_``...) is generated here, returned once (create, rotate) and stored only sealed
(:mod:`intentbid.adapters.secret_box`, bound to the endpoint's id and owner). A rotation keeps the previous
secret sealed for its grace: until then both sign (:func:`signing_secrets`). Audit entries name what changed
- the URL without its query string, never a secret; webhook changes raise no outbox event (the catalog has
none for them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from intentbid import observability as obs
from intentbid.config import settings
from intentbid.domain import clock, events, ids, url_rules, webhook_signing
from intentbid.domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from intentbid.domain.principal import Principal
from intentbid.schemas.common import PageQuery
from intentbid.schemas.webhooks import (
    Webhook,
    WebhookCreate,
    WebhookCreated,
    WebhookPage,
    WebhookPatch,
    WebhookRotate,
    WebhookSecret,
)
from intentbid.services import retry_on_conflict
from intentbid.services.views.webhooks import last_delivery_view, webhook_view
from intentbid.store.deliveries import delivery_store
from intentbid.store.port import Actor, Change, ConditionFailed, Target, TransactionConflict, WebhookEndpoint
from intentbid.store.port import webhook_store as store

DELETED_KEPT_S = 30 * 86_400  # a deleted endpoint's item (no secret) outlives it by this, for the audit trail


def _context(owner_id: str, webhook_id: str) -> dict[str, str]:
    """What a sealed secret is bound to: a copy on another endpoint or owner does not open."""
    return {"purpose": "webhook-secret", "owner_id": owner_id, "webhook_id": webhook_id}


def _change(
    p: Principal, w: WebhookEndpoint | str, action: str, now: datetime, data: dict[str, Any], **kw: Any
) -> Change:
    webhook_id = w if isinstance(w, str) else w.id
    return Change(Actor.of(p), Target("webhook", webhook_id, p.environment), action, None, data, now, **kw)


def _find(p: Principal, webhook_id: str) -> WebhookEndpoint:
    """The caller's own endpoint of its environment, or 404 (another tenant's, environment's, or deleted)."""
    w = store().get_webhook(p.id, webhook_id) if ids.is_id(webhook_id, "whk") else None
    if w is None or w.environment != p.environment or w.status == "deleted":
        raise NotFound("No such webhook endpoint.")
    return w


def enforce_plan_limit(p: Principal, used: int) -> None:
    """The plan-limit hook (API.md: "At most N endpoints per account (plan limit)"): billing has not landed, so
    no plan limits yet. When it does, this reads the account's plan and answers 402 ``plan_limit_exceeded``
    (``{limit, used, resets_at, upgrade_url}``) once ``used`` reaches it (sandbox keys are never billed), and
    the create route declares 402."""
    del p, used


def _check_limits(p: Principal) -> None:
    """The settings' cap per account and environment (409 ``webhook_limit_reached``), then the plan's. Counted
    before the write: concurrent creates may pass the cap by their number (the cap bounds fan-out, not money)."""
    cap = settings().webhooks.webhook_max_endpoints_per_account
    used = store().count_webhooks(p.id, p.environment)
    if cap and used >= cap:
        raise Conflict(
            f"This account already holds {cap} {p.environment} webhook endpoints, the most allowed: delete one first.",
            code="webhook_limit_reached",
            extra={"limit": cap},
        )
    enforce_plan_limit(p, used)


def _description(text: str | None) -> str | None:
    return text or None  # "" (or only blanks, stripped by the schema) means none


def _checked(p: Principal, url: str | None, wanted: list[str] | None) -> list[str] | None:
    """Check the URL and the subscription (returned as stored); one 400 names every refused field."""
    refused: list[ValidationFailed] = []
    subscription = None
    if url is not None:
        from intentbid.adapters import outbound  # lazy: only create and patch check a URL (ssl, sockets)

        try:
            outbound.check_url(url)
        except ValidationFailed as exc:
            refused.append(exc)
    if wanted is not None:
        try:
            subscription = events.subscription(p.kind, wanted)
        except ValidationFailed as exc:
            refused.append(exc)
    if len(refused) == 1:
        raise refused[0]
    if refused:
        errors = [fe for exc in refused for fe in exc.errors]
        raise ValidationFailed(f"{len(errors)} field(s) failed validation.", errors=errors)
    return subscription


def _seal(secret: str, context: dict[str, str]) -> str:
    """The secret sealed by the secret box; loaded by the routes that seal (create, rotate: ``Route.secrets``)
    and the delivery worker, not by the reads."""
    from intentbid.adapters import secret_box

    return secret_box.seal(secret, context)


def _redacted(url: str) -> str:
    return url_rules.parse(url, allow_local=True).redacted


def create(p: Principal, body: WebhookCreate) -> WebhookCreated:
    subscription = _checked(p, body.url, body.events)
    assert subscription is not None
    _check_limits(p)
    url = body.url
    now = clock.now()
    webhook_id = ids.new_id("whk")
    secret = webhook_signing.new_secret()
    fields = {
        "owner_id": p.id,
        "id": webhook_id,
        "owner_kind": p.kind,
        "environment": p.environment,
        "url": url,
        "events": subscription,
        "description": _description(body.description),
        "status": "enabled",
        "created_at": now,
        "updated_at": now,
        "secret_sealed": _seal(secret, _context(p.id, webhook_id)),
    }
    data = {"url": _redacted(url), "events": subscription}
    w = store().create_webhook(fields, _change(p, webhook_id, "webhook_create", now, data, to_status="enabled"))
    obs.count("WebhooksCreated")
    obs.logger.info("webhook created", extra={"webhook_id": webhook_id})
    return WebhookCreated(webhook=webhook_view(w, now), secret=secret)


def list_(p: Principal, q: PageQuery | None = None) -> WebhookPage:
    q = q or PageQuery()
    now = clock.now()
    items, cursor = store().webhooks_of(p.id, p.environment, limit=q.limit, cursor=q.cursor)
    return WebhookPage(data=[_with_last_delivery(webhook_view(w, now)) for w in items], next_cursor=cursor)


def get(p: Principal, webhook_id: str) -> Webhook:
    return _with_last_delivery(webhook_view(_find(p, webhook_id), clock.now()))


def _with_last_delivery(view: Webhook) -> Webhook:
    """The endpoint's newest delivery at a glance: read when the endpoint is (one Query per endpoint, the newest
    ``dlv_`` id: event time first), never maintained on the delivery path, which stays at 2 calls per success."""
    newest, _ = delivery_store().deliveries_of(view.id, limit=1, cursor=None)
    return view.model_copy(update={"last_delivery": last_delivery_view(newest[0])}) if newest else view


@retry_on_conflict()
def patch(p: Principal, webhook_id: str, body: WebhookPatch) -> Webhook:
    """Change the URL, the subscription, the description, or the status: ``enabled`` re-enables (an endpoint
    the pipeline disabled too: audited with the reason it had), ``disabled`` pauses it (``disabled_reason``
    ``manual``)."""
    sent = body.model_fields_set
    if not any(getattr(body, f) is not None for f in ("url", "events", "description", "status")):
        raise ValidationFailed(
            "Nothing to change.",
            errors=[
                FieldError("$", "required", "Nothing to change: give at least one of url, events, description, status.")
            ],
        )
    w = _find(p, webhook_id)
    subscription = _checked(p, body.url, body.events)
    url = body.url
    now = clock.now()
    changes: dict[str, Any] = {}
    data: dict[str, Any] = {}
    if url is not None:
        changes["url"], data["url"] = url, _redacted(url)
    if subscription is not None:
        changes["events"] = data["events"] = subscription
    if "description" in sent and body.description is not None:
        changes["description"] = _description(body.description)
        data["description"] = "changed" if changes["description"] else "removed"
    status_kw: dict[str, Any] = {}
    if body.status is not None and body.status != w.status:
        changes["status"] = body.status
        changes["disabled_reason"] = "manual" if body.status == "disabled" else None
        if body.status == "enabled" and w.disabled_reason:
            data["was_disabled_for"] = w.disabled_reason
        status_kw = {"from_status": w.status, "to_status": body.status}
    action = f"webhook_{'enable' if body.status == 'enabled' else 'disable'}" if status_kw else "webhook_update"
    if changes:
        try:
            store().update_webhook(w, changes, _change(p, w, action, now, data, **status_kw))
        except ConditionFailed:
            raise TransactionConflict() from None  # deleted or rotated meanwhile: read again and decide
        w = _find(p, webhook_id)
    return webhook_view(w, now)


@retry_on_conflict()
def delete(p: Principal, webhook_id: str) -> None:
    """Delete at once: no more deliveries, the secrets are dropped; then 404 everywhere."""
    w = _find(p, webhook_id)
    now = clock.now()
    try:
        store().delete_webhook(
            w,
            _change(p, w, "webhook_delete", now, {}, from_status=w.status, to_status="deleted"),
            int(now.timestamp()) + DELETED_KEPT_S,
        )
    except ConditionFailed:
        raise TransactionConflict() from None
    obs.count("WebhooksDeleted")


@retry_on_conflict()
def rotate(p: Principal, webhook_id: str, body: WebhookRotate) -> WebhookSecret:
    """A new signing secret, shown once. The current one keeps signing for ``grace_seconds`` (0: it stops at
    once); a secret still in a previous grace is replaced by this one (at most two sign)."""
    w = _find(p, webhook_id)
    now = clock.now()
    secret = webhook_signing.new_secret()
    grace_end = now + timedelta(seconds=body.grace_seconds) if body.grace_seconds else None
    changes: dict[str, Any] = {
        "secret_sealed": _seal(secret, _context(p.id, w.id)),
        "previous_secret_sealed": w.secret_sealed if grace_end else None,
        "previous_secret_expires_at": grace_end,
        "secret_rotated_at": now,
    }
    data = {"grace_seconds": body.grace_seconds}
    try:
        store().update_webhook(w, changes, _change(p, w, "webhook_rotate_secret", now, data))
    except ConditionFailed:
        raise TransactionConflict() from None  # rotated or deleted meanwhile
    obs.count("WebhookSecretsRotated")
    return WebhookSecret(webhook_id=w.id, secret=secret, previous_secret_expires_at=grace_end)


def signing_secrets(w: WebhookEndpoint, now: datetime | None = None) -> list[str]:
    """The secrets that sign a delivery to ``w`` now, newest first: the current one and, during a rotation's
    grace, the previous one (the delivery worker opens them; each needs ``Decrypt`` in AWS)."""
    from intentbid.adapters import secret_box  # lazy: see _seal

    now = now or clock.now()
    context = _context(w.owner_id, w.id)
    out = [secret_box.open_sealed(w.secret_sealed, context)] if w.secret_sealed else []
    grace = w.previous_secret_expires_at
    if w.previous_secret_sealed and grace is not None and grace > now:
        out.append(secret_box.open_sealed(w.previous_secret_sealed, context))
    return out
