"""Physical tables derived from the PynamoDB models: the one schema for CDK, moto and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.indexes import GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model

from intentbid.store.base import physical_name, registered_models


@dataclass(frozen=True)
class KeySpec:
    name: str
    type: str  # S | N | B


@dataclass(frozen=True)
class IndexSpec:
    name: str
    hash_key: KeySpec
    range_key: KeySpec | None
    projection: str
    local: bool = False  # an LSI: same partition key as the table, strongly consistent reads; created with it only


@dataclass(frozen=True)
class TableSpec:
    logical_name: str
    hash_key: KeySpec
    range_key: KeySpec | None
    indexes: tuple[IndexSpec, ...]
    stream_view: str | None
    ttl_attribute: str | None
    stack: str = ""  # "" = the main stack; "realtime" = the realtime nested stack (CDK only; locally all alike)

    @property
    def physical_name(self) -> str:
        return physical_name(self.logical_name)


def load_all_models() -> None:
    """Import every model module so the registry is complete."""
    from intentbid.store.models import (  # noqa: F401
        accounts,
        api_keys,
        audit,
        deliveries,
        emails,
        event_log,
        flags,
        idempotency,
        migrations,
        offers,
        outbox,
        rate_limits,
        realtime,
        rejections,
        rfos,
        webhooks,
    )


def _key(model: type[Model], attr_name: str) -> KeySpec:
    attr = model.get_attributes()[attr_name]
    return KeySpec(attr.attr_name, attr.attr_type)


def spec_of(model: type[Model]) -> TableSpec:
    hash_key = range_key = None
    for name, attr in model.get_attributes().items():
        if attr.is_hash_key:
            hash_key = _key(model, name)
        if attr.is_range_key:
            range_key = _key(model, name)
    assert hash_key is not None, model
    indexes = []
    for value in vars(model).values():
        if isinstance(value, GlobalSecondaryIndex | LocalSecondaryIndex):
            ih = ir = None
            for attr in value.Meta.attributes.values():
                if attr.is_hash_key:
                    ih = KeySpec(attr.attr_name, attr.attr_type)
                if attr.is_range_key:
                    ir = KeySpec(attr.attr_name, attr.attr_type)
            assert ih is not None
            projection = value.Meta.projection.projection_type
            local = isinstance(value, LocalSecondaryIndex)
            indexes.append(IndexSpec(value.Meta.index_name, ih, ir, projection, local=local))
    return TableSpec(
        logical_name=model.logical_name,  # type: ignore[attr-defined]
        hash_key=hash_key,
        range_key=range_key,
        indexes=tuple(indexes),
        stream_view=getattr(model, "stream_view", None),
        ttl_attribute=getattr(model, "ttl_attribute", None),
        stack=getattr(model, "stack", ""),
    )


def all_specs() -> list[TableSpec]:
    load_all_models()
    models = (m for m in registered_models() if not getattr(m, "shares_table", False))
    return sorted((spec_of(m) for m in models), key=lambda s: s.logical_name)


def create_table_request(spec: TableSpec) -> dict[str, Any]:
    """A boto3 ``create_table`` request (on-demand), as the local runtime and tests use it."""
    attrs = {spec.hash_key.name: spec.hash_key.type}
    if spec.range_key:
        attrs[spec.range_key.name] = spec.range_key.type
    for ix in spec.indexes:
        attrs[ix.hash_key.name] = ix.hash_key.type
        if ix.range_key:
            attrs[ix.range_key.name] = ix.range_key.type

    def schema(h: KeySpec, r: KeySpec | None) -> list[dict[str, str]]:
        out = [{"AttributeName": h.name, "KeyType": "HASH"}]
        if r:
            out.append({"AttributeName": r.name, "KeyType": "RANGE"})
        return out

    req: dict[str, Any] = {
        "TableName": spec.physical_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": t} for k, t in sorted(attrs.items())],
        "KeySchema": schema(spec.hash_key, spec.range_key),
    }
    for kind, local in (("GlobalSecondaryIndexes", False), ("LocalSecondaryIndexes", True)):
        chosen = [ix for ix in spec.indexes if ix.local == local]
        if chosen:
            req[kind] = [
                {
                    "IndexName": ix.name,
                    "KeySchema": schema(ix.hash_key, ix.range_key),
                    "Projection": {"ProjectionType": ix.projection},
                }
                for ix in chosen
            ]
    if spec.stream_view:
        req["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream_view}
    return req


def create_all(client: Any) -> list[str]:
    """Create every table (and TTL) on the given DynamoDB client; existing tables are left alone."""
    existing = set(client.list_tables().get("TableNames", []))
    created = []
    for spec in all_specs():
        if spec.physical_name in existing:
            continue
        client.create_table(**create_table_request(spec))
        if spec.ttl_attribute:
            client.update_time_to_live(
                TableName=spec.physical_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
            )
        created.append(spec.physical_name)
    return created
