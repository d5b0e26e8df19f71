"""Table binding and the shared PynamoDB base.

Table names come from the settings per stage (``TABLE_PREFIX``, e.g. ``intentbid-prod-``), bound when a
model is defined and re-bindable with :func:`bind` (tests, the local runtime). Every model declares its
``Meta.logical_name``; CDK and the local runtime derive the physical tables from the models
(:mod:`intentbid.store.tables`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any, ClassVar

from pynamodb.connection import Connection
from pynamodb.models import Model

from intentbid import config

_MODELS: list[type[Model]] = []


def table_prefix() -> str:
    return config.settings().deployment.table_prefix


def region() -> str:
    return config.settings().deployment.region


def physical_name(logical: str) -> str:
    return table_prefix() + logical


class BaseModel(Model):
    """Base for every table model; subclasses are registered for binding and table derivation."""

    logical_name: ClassVar[str] = ""
    shares_table: ClassVar[bool] = False  # another model's table under other keys (no table of its own)

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.logical_name:
            cls.Meta.table_name = physical_name(cls.logical_name)  # type: ignore[attr-defined]
            cls.Meta.region = region()  # type: ignore[attr-defined]
            _MODELS.append(cls)


def registered_models() -> Iterator[type[Model]]:
    return iter(_MODELS)


def bind(prefix: str | None = None) -> None:
    """Re-point every loaded model at ``prefix`` (or the environment's, read again) and drop cached connections."""
    if prefix is not None:
        os.environ["TABLE_PREFIX"] = prefix
    config.reload()
    for model in _MODELS:
        model.Meta.table_name = physical_name(model.logical_name)  # type: ignore[attr-defined]
        model.Meta.region = region()
        model._connection = None
    global _connection
    _connection = None
    lookup = sys.modules.get("intentbid.store.key_lookup")  # the authorizer's client, when loaded
    if lookup is not None:
        lookup.reset()


_connection: Connection | None = None


def connection() -> Connection:
    """The low-level connection used for transactions (one per process, like the models')."""
    global _connection
    if _connection is None:
        _connection = Connection(region=region())
    return _connection
