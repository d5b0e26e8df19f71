from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from intentbid.store.base import BaseModel


class IdempotencyModel(BaseModel):
    """Powertools idempotency records (its persistence layer writes them; this model only declares the
    table so CDK and the local runtime derive it like every other table)."""

    logical_name = "idempotency"
    ttl_attribute = "expiration"

    class Meta:
        table_name = ""

    id = UnicodeAttribute(hash_key=True)
    expiration = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)
    data = UnicodeAttribute(null=True)
    validation = UnicodeAttribute(null=True)
    in_progress_expiration = NumberAttribute(null=True)
