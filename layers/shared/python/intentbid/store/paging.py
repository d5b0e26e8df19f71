"""Opaque cursors: the DynamoDB LastEvaluatedKey, base64url JSON. A tampered cursor is a 400, never a 500.

A cursor must decode to exactly the key of the table or index queried (every key attribute, nothing else, each
a short string): DynamoDB's answer to anything else is not a ``ValidationException`` everywhere (a missing key
attribute fails inside PynamoDB or moto), so the shape is checked here, before any call."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pynamodb.exceptions import QueryError

from intentbid.domain.errors import FieldError, ValidationFailed

T = TypeVar("T")

# What a cursor looks like (base64url, as :func:`encode` writes it; padding tolerated): the OpenAPI document states
# this pattern (``intentbid.openapi.CURSOR_PATTERN``), so anything else is refused before decoding
# (``b64decode`` alone accepted surplus padding, e.g. a cursor followed by "====").
CURSOR_PATTERN = r"^[A-Za-z0-9_-]*={0,2}$"
_CURSOR_RE = re.compile(CURSOR_PATTERN)


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "The cursor is not valid; start again without it.",
        code="invalid_cursor",
        errors=[
            FieldError(
                "cursor", "invalid_cursor", "cursor must be a previous page's next_cursor of this listing, unchanged"
            )
        ],
    )


def invalid_cursor() -> ValidationFailed:
    """The 400 ``invalid_cursor`` answer, for a cursor whose shape is right but whose values are not."""
    return _bad_cursor()


def encode(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, allowed_keys: set[str]) -> dict[str, Any] | None:
    """The start key, or 400 ``invalid_cursor`` unless its attributes are exactly ``allowed_keys``."""
    if not cursor:
        return None
    if not _CURSOR_RE.fullmatch(cursor):
        raise _bad_cursor()
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_cursor() from None
    if not isinstance(value, dict) or set(value) != allowed_keys:
        raise _bad_cursor()
    for attr in value.values():  # {"S": "..."} only: our keys are strings
        if not (isinstance(attr, dict) and set(attr) == {"S"} and isinstance(attr["S"], str) and len(attr["S"]) <= 256):
            raise _bad_cursor()
    return value


def page(
    query: Callable[[dict[str, Any] | None], Any],
    cursor: str | None,
    allowed_keys: set[str],
    limit: int,
    keep: Callable[[T], bool] = lambda _: True,
) -> tuple[list[T], str | None]:
    """Run ``query(last_evaluated_key)`` (a PynamoDB ResultIterator) for one page of ``limit`` kept items."""
    start = decode(cursor, allowed_keys)
    try:
        results = query(start)
        items: list[T] = []
        it: Iterator[T] = iter(results)
        for item in it:
            if keep(item):
                items.append(item)
            if len(items) >= limit:
                break
        last = results.last_evaluated_key if len(items) >= limit else None
    except QueryError as exc:
        if exc.cause_response_code == "ValidationException" and start is not None:
            raise _bad_cursor() from None
        raise
    return items, encode(last)
