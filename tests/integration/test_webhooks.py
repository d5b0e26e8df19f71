"""Webhook endpoints API on the real handlers over moto: secrets shown once and stored sealed, tenancy and
environments, URL rules and the event catalog as problem+json, rotation with grace verified by the
``standardwebhooks`` library, and no secret in any log line, audit entry or outbox event."""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3
import pytest
from helpers import register
from lambda_harness import invoke
from standardwebhooks.webhooks import Webhook as Verifier

from intentbid.adapters import outbound, secret_box
from intentbid.domain import webhook_signing
from intentbid.services import webhooks as service
from intentbid.store.models.audit import AuditModel
from intentbid.store.models.outbox import OutboxModel
from intentbid.store.port import webhook_store

pytestmark = pytest.mark.usefixtures("aws")

URL = "https://hooks.northwind.example/intentbid"
PUBLIC = {"hooks.northwind.example": ["93.184.215.14"]}


@pytest.fixture(autouse=True)
def resolver() -> Any:
    names = dict(PUBLIC)
    with outbound.use_resolver(lambda host, port: list(names[host]) if host in names else _nx(host)):
        yield names


def _nx(host: str) -> list[str]:
    raise OSError("no such name")


def create(who: dict[str, Any], **body: Any) -> tuple[int, Any]:
    status, _, out = invoke("webhook_create", principal=who, body={"url": URL, "events": ["rfo.created"], **body})
    return status, out


def path(webhook_id: str) -> dict[str, str]:
    return {"webhook_id": webhook_id}


def test_create_shows_the_secret_once_and_list_and_get_never(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    vendor = register("vendor")
    status, out = create(vendor, description="orders", events=["offer.won", "rfo.created", "offer.won"])
    assert status == 201, out
    secret = out["secret"]
    assert secret.startswith("whsec_") and len(webhook_signing.key_of(secret)) == 32
    hook = out["webhook"]
    assert hook["status"] == "enabled" and hook["disabled_reason"] is None and hook["environment"] == "live"
    assert hook["events"] == ["rfo.created", "offer.won"]  # catalog order, de-duplicated
    status, _, page = invoke("webhook_list", principal=vendor)
    assert status == 200 and [w["id"] for w in page["data"]] == [hook["id"]]
    status, _, got = invoke("webhook_get", principal=vendor, path=path(hook["id"]))
    assert status == 200 and got == hook
    stored = webhook_store().get_webhook(vendor["id"], hook["id"])
    assert stored is not None and stored.secret_sealed and secret not in stored.secret_sealed
    assert service.signing_secrets(stored) == [secret]
    everything = json.dumps([page, got]) + caplog.text
    everything += json.dumps([a.payload for a in AuditModel.scan()] + [o.payload for o in OutboxModel.scan()])
    assert secret not in everything and secret[6:20] not in everything
    assert any(a.action == "webhook_create" for a in AuditModel.scan())
    assert not any(o.type.startswith("webhook.") for o in OutboxModel.scan())


def test_an_idempotent_replay_never_repeats_the_secret() -> None:
    buyer = register("buyer")
    body = {"url": URL, "events": ["*"]}
    first = invoke("webhook_create", principal=buyer, body=body, headers={"Idempotency-Key": "hook-1"})
    again = invoke("webhook_create", principal=buyer, body=body, headers={"Idempotency-Key": "hook-1"})
    assert first[0] == again[0] == 201
    assert first[2]["secret"].startswith("whsec_") and again[2]["secret"] is None
    assert again[2]["webhook"]["id"] == first[2]["webhook"]["id"]


def test_patch_disable_re_enable_and_delete() -> None:
    vendor = register("vendor")
    hook = create(vendor)[1]["webhook"]
    status, _, out = invoke("webhook_patch", principal=vendor, path=path(hook["id"]), body={"status": "disabled"})
    assert status == 200 and out["status"] == "disabled" and out["disabled_reason"] == "manual"
    status, _, out = invoke(
        "webhook_patch",
        principal=vendor,
        path=path(hook["id"]),
        body={"status": "enabled", "description": "again", "events": ["*"]},
    )
    assert status == 200, out
    assert out["status"] == "enabled" and out["disabled_reason"] is None and out["events"] == ["*"]
    assert out["description"] == "again"
    actions = [a.action for a in AuditModel.query(hook["id"])]
    assert actions == ["webhook_create", "webhook_disable", "webhook_enable"]
    status, _, out = invoke("webhook_patch", principal=vendor, path=path(hook["id"]), body={})
    assert status == 400 and out["errors"][0]["field"] == "$"
    assert invoke("webhook_delete", principal=vendor, path=path(hook["id"]))[0] == 204
    for fn in ("webhook_get", "webhook_delete"):
        assert invoke(fn, principal=vendor, path=path(hook["id"]))[0] == 404
    assert invoke("webhook_list", principal=vendor)[2]["data"] == []
    stored = webhook_store().get_webhook(vendor["id"], hook["id"])
    assert stored is not None and stored.secret_sealed is None and stored.status == "deleted"


def test_rotation_with_grace_signs_with_both_secrets_and_the_library_verifies_each() -> None:
    vendor = register("vendor")
    created = create(vendor)[1]
    hook, old = created["webhook"], created["secret"]
    status, _, out = invoke("webhook_rotate", principal=vendor, path=path(hook["id"]), body={"grace_seconds": 3600})
    assert status == 201, out
    new = out["secret"]
    assert new != old and out["previous_secret_expires_at"]
    stored = webhook_store().get_webhook(vendor["id"], hook["id"])
    assert stored is not None
    secrets = service.signing_secrets(stored)
    assert secrets == [new, old]
    body = b'{"id":"evt_1","type":"webhook.test"}'
    import time

    ts = int(time.time())
    headers = webhook_signing.headers("evt_1", ts, body, secrets)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (new, old):
        assert Verifier(secret).verify(body, headers) == json.loads(body)
    status, _, out = invoke("webhook_rotate", principal=vendor, path=path(hook["id"]), body={"grace_seconds": 0})
    assert status == 201 and out["previous_secret_expires_at"] is None
    stored = webhook_store().get_webhook(vendor["id"], hook["id"])
    assert stored is not None and service.signing_secrets(stored) == [out["secret"]]
    status, _, out = invoke("webhook_rotate", principal=vendor, path=path(hook["id"]))  # no body: default grace
    assert status == 201 and out["previous_secret_expires_at"]
    status, _, out = invoke("webhook_rotate", principal=vendor, path=path(hook["id"]), body={"grace_seconds": 604_801})
    assert status == 400 and out["errors"][0]["field"] == "grace_seconds"


def test_another_tenant_and_the_other_environment_see_nothing() -> None:
    vendor, other, buyer = register("vendor"), register("vendor", "Beta"), register("buyer")
    sandbox = register("vendor", "Sandy", sandbox=True)
    hook = create(vendor)[1]["webhook"]
    test_hook = create(sandbox)[1]["webhook"]
    assert test_hook["environment"] == "test"
    for who, webhook_id in ((other, hook["id"]), (buyer, hook["id"]), (vendor, test_hook["id"])):
        for fn, body in (("webhook_get", None), ("webhook_patch", {"description": "x"}), ("webhook_delete", None)):
            status, _, out = invoke(fn, principal=who, path=path(webhook_id), body=body)
            assert status == 404 and out["code"] == "not_found", (fn, out)
        assert invoke("webhook_rotate", principal=who, path=path(webhook_id), body={})[0] == 404
    assert invoke("webhook_list", principal=other)[2]["data"] == []
    # the same account, its sandbox key: the live endpoint is invisible
    same_account_test_key = {**vendor, "environment": "test"}
    assert invoke("webhook_list", principal=same_account_test_key)[2]["data"] == []
    assert invoke("webhook_get", principal=same_account_test_key, path=path(hook["id"]))[0] == 404


BAD_URLS = {
    "http://hooks.northwind.example/x": "https",
    "https://user:pw@hooks.northwind.example/x": "user information",
    "https://10.0.0.5/x": "private",
    "https://192.168.1.1/x": "private",
    "https://127.0.0.1:8443/x": "loopback",
    "https://localhost/x": "loopback",
    "https://169.254.169.254/latest/meta-data": "metadata",
    "https://[fd00:ec2::254]/x": "metadata",
    "https://100.64.0.1/x": "carrier-grade NAT",
    "https://[::ffff:10.0.0.1]/x": "IPv4-mapped",
    "https://[::ffff:127.0.0.1]/x": "IPv4-mapped",
    "https://[::1]/x": "loopback",
    "https://0.0.0.0/x": "unspecified",
    "https://224.0.0.1/x": "multicast",
    "https://[fe80::1]/x": "link-local",
    "https://2130706433/x": "fully qualified",
    "https://0x7f.1/x": "not a valid DNS name",
    "https://intranet/x": "fully qualified",
    "https://metadata.google.internal/x": "private or local zone",
    "https://hooks.northwind.example/x#frag": "fragment",
    "ftp://hooks.northwind.example/x": "https",
    "https://rebind.example/x": "resolves to an address that is not allowed",
    "hooks.northwind.example/x": "https",
}


def test_bad_urls_are_400_webhook_url_not_allowed_at_create_and_patch(resolver: dict[str, list[str]]) -> None:
    resolver["rebind.example"] = ["93.184.215.14", "10.1.2.3"]  # one private answer refuses the name
    vendor = register("vendor")
    hook = create(vendor)[1]["webhook"]
    for url, why in BAD_URLS.items():
        for fn, extra in (("webhook_create", {"events": ["*"]}), ("webhook_patch", {})):
            kwargs: dict[str, Any] = {"path": path(hook["id"])} if fn == "webhook_patch" else {}
            status, headers, out = invoke(fn, principal=vendor, body={"url": url, **extra}, **kwargs)
            assert status == 400 and headers["Content-Type"] == "application/problem+json", (url, out)
            assert out["code"] == "webhook_url_not_allowed", (url, out)
            assert out["errors"][0]["field"] == "url" and why in out["errors"][0]["message"], (url, out)
            assert url not in json.dumps(out)  # the message names the rule, never the value


def test_loopback_receivers_only_where_the_local_runtime_allows(monkeypatch: pytest.MonkeyPatch) -> None:
    vendor = register("vendor")
    monkeypatch.setenv("INTENTBID_WEBHOOK_ALLOW_LOCAL", "true")
    for url in ("http://127.0.0.1:9000/hook", "http://localhost:9000/hook", "https://[::1]/hook"):
        status, out = create(vendor, url=url)
        assert status == 201, (url, out)
    status, out = create(vendor, url="http://hooks.northwind.example/hook")  # plain http elsewhere: never
    assert status == 400 and out["code"] == "webhook_url_not_allowed"
    monkeypatch.setenv("STAGE", "prod")  # a deployed stage refuses the setting at cold start
    from intentbid import config

    with pytest.raises(ValueError, match="INTENTBID_WEBHOOK_ALLOW_LOCAL"):
        config.settings()


def test_unknown_events_and_long_descriptions_are_field_errors_never_500() -> None:
    buyer = register("buyer")
    status, out = create(buyer, description="x" * 501)
    assert status == 400 and out["errors"][0]["field"] == "description" and out["errors"][0]["code"] == "too_long"
    status, out = create(buyer, events=["rfo.created", "rfo.exploded", "offer.won", "*"])
    assert status == 400 and out["code"] == "validation_failed", out
    by_field = {e["field"]: e for e in out["errors"]}
    assert by_field["events[1]"]["code"] == "unknown_event_type" and "rfo.created" in by_field["events[1]"]["message"]
    assert by_field["events[2]"]["code"] == "event_not_available"  # offer.won goes to vendors only
    assert by_field["events[3]"]["code"] == "conflicting_fields"
    status, out = create(buyer, url="https://10.0.0.1/", events=["nope"])  # both refusals in one answer
    assert status == 400 and {e["code"] for e in out["errors"]} == {"webhook_url_not_allowed", "unknown_event_type"}
    for body in ({"url": URL}, {"url": URL, "events": []}, {"url": 5, "events": ["*"]}, {"events": ["*"]}):
        status, _, out = invoke("webhook_create", principal=buyer, body=body)
        assert status == 400, (body, out)


def test_the_endpoint_cap_is_409(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_WEBHOOK_MAX_ENDPOINTS_PER_ACCOUNT", "2")
    vendor = register("vendor")
    assert create(vendor)[0] == create(vendor)[0] == 201
    status, out = create(vendor)
    assert status == 409 and out["code"] == "webhook_limit_reached" and out["limit"] == 2


def test_secrets_sealed_with_kms_when_the_stage_names_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    arn = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    monkeypatch.setenv("WEBHOOK_SECRETS_KEY_ARN", arn)
    vendor = register("vendor")
    out = create(vendor)[1]
    stored = webhook_store().get_webhook(vendor["id"], out["webhook"]["id"])
    assert stored is not None and stored.secret_sealed and stored.secret_sealed.startswith("v1.kms.")
    assert service.signing_secrets(stored) == [out["secret"]]
    with pytest.raises(secret_box.SecretBoxError):  # bound to its endpoint: another id does not open it
        secret_box.open_sealed(
            stored.secret_sealed, {"purpose": "webhook-secret", "owner_id": vendor["id"], "webhook_id": "whk_x"}
        )
