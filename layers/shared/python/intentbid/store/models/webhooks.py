from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from intentbid.store.base import BaseModel


class ByAudienceIndex(GlobalSecondaryIndex["WebhookModel"]):
    """Every endpoint of one environment and account kind (``live#vendor``): the fan-out of an event every
    vendor may receive (``rfo.created``) reads it. Sparse: a deleted endpoint leaves it."""

    class Meta:
        index_name = "by_audience"
        projection = AllProjection()

    audience = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class WebhookModel(BaseModel):
    """A webhook endpoint, under its owner (vendor or buyer): every API read names the caller, so a Query or a
    consistent GetItem by (owner_id, id) serves them and another tenant's endpoint is simply absent.

    The signing secret is stored sealed only (:mod:`intentbid.adapters.secret_box`); during a rotation's grace
    the previous one is kept sealed too, until ``previous_secret_expires_at``. A deleted endpoint keeps its
    item (audit, deliveries) without any secret and leaves with its TTL (``expire_at``)."""

    logical_name = "webhooks"
    ttl_attribute = "expire_at"

    class Meta:
        table_name = ""

    owner_id = UnicodeAttribute(hash_key=True)  # ven_… | buy_…
    id = UnicodeAttribute(range_key=True)  # whk_…
    owner_kind = UnicodeAttribute()
    environment = UnicodeAttribute()  # live | test
    url = UnicodeAttribute()
    events = ListAttribute(of=UnicodeAttribute)  # type: ignore[var-annotated]
    description = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="enabled")  # enabled | disabled | deleted
    disabled_reason = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    secret_sealed = UnicodeAttribute(null=True)
    previous_secret_sealed = UnicodeAttribute(null=True)
    previous_secret_expires_at = UTCDateTimeAttribute(null=True)
    secret_rotated_at = UTCDateTimeAttribute(null=True)
    deleted_at = UTCDateTimeAttribute(null=True)
    expire_at = NumberAttribute(null=True)
    audience = UnicodeAttribute(null=True)  # <environment>#<owner_kind> until deleted (by_audience)
    failing_since = UTCDateTimeAttribute(null=True)  # the first failed attempt of the current failing streak

    by_audience = ByAudienceIndex()
