from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from intentbid.store.base import BaseModel


class ByOwnerIndex(GlobalSecondaryIndex["ApiKeyModel"]):
    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute(range_key=True)


class ApiKeyModel(BaseModel):
    """An API key, found by the SHA-256 hash of its secret (the secret itself is never stored).

    The same table holds one *key ledger* item per (account, environment), ``key_hash =
    ledger#<owner_id>#<environment>`` (never a SHA-256 hex, so no secret can find it; it has no ``key_id``,
    so the by_owner index never lists it): see :mod:`intentbid.store.api_keys`."""

    logical_name = "api-keys"

    class Meta:
        table_name = ""

    key_hash = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    owner_kind = UnicodeAttribute()  # vendor | buyer | admin
    name = UnicodeAttribute()
    prefix = UnicodeAttribute()
    last4 = UnicodeAttribute()
    status = UnicodeAttribute(default="active")  # active | revoked
    scopes = ListAttribute(of=UnicodeAttribute)  # type: ignore[var-annotated]
    ip_allowlist = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
    environment = UnicodeAttribute()  # live | test
    created_at = UTCDateTimeAttribute()
    last_used_at = UTCDateTimeAttribute(null=True)
    expires_at = UTCDateTimeAttribute(null=True)
    revoked_at = UTCDateTimeAttribute(null=True)
    successor_key_id = UnicodeAttribute(null=True)  # set once, by the one rotation this key may have
    reissue_of = UnicodeAttribute(null=True)  # the registration key this one re-issued (a replayed registration)

    by_owner = ByOwnerIndex()
