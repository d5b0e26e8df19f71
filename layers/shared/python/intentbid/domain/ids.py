"""Prefixed, sortable identifiers (``rfo_01J…``).

A ULID body: 48 bits of milliseconds since the epoch then 80 random bits, in Crockford base32 (26 chars).
Lexicographic order equals creation order to the millisecond, so IDs double as sort keys.
"""

from __future__ import annotations

import re
import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIXES = frozenset({"ven", "buy", "adm", "key", "rfo", "off", "evt", "whk", "aud", "rej", "flg", "dlv"})
_ID_RE = re.compile(r"^(?P<prefix>[a-z]{3})_[0-9A-HJKMNP-TV-Z]{26}$")


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        out.append(_ALPHABET[rem])
    return "".join(reversed(out))


def new_id(prefix: str, *, at_ms: int | None = None) -> str:
    """Return a new ``<prefix>_<ulid>``; ``prefix`` must be one of :data:`PREFIXES`."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    ms = int(time.time() * 1000) if at_ms is None else at_ms
    return f"{prefix}_{_encode(ms, 10)}{_encode(secrets.randbits(80), 16)}"


def is_id(value: object, prefix: str) -> bool:
    """True when ``value`` is a well-formed id of the given kind (anything else is simply unknown: 404)."""
    if not isinstance(value, str):
        return False
    m = _ID_RE.match(value)
    return bool(m and m.group("prefix") == prefix)
