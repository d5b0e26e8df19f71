"""API key material: generation and hashing. Keys are stored only as SHA-256 hashes.

A key is ``ib_<env>_<32 base62 chars>`` (~190 bits of entropy), so a fast unsalted hash is safe: the
secret cannot be brute-forced, and the hash is the lookup key (no secret-dependent comparison happens:
DynamoDB finds the item by hash or it does not).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
KEY_RE = re.compile(r"^ib_(live|test)_[A-Za-z0-9]{32}$")


def generate(environment: str = "live") -> str:
    if environment not in ("live", "test"):
        raise ValueError("environment must be live or test")
    return f"ib_{environment}_" + "".join(secrets.choice(_ALPHABET) for _ in range(32))


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def environment_of(api_key: str) -> str | None:
    """``live``/``test`` for a well-formed key, else ``None`` (malformed keys never reach the table)."""
    m = KEY_RE.match(api_key)
    return m.group(1) if m else None


def display_parts(api_key: str) -> tuple[str, str]:
    """What lists may show: the prefix (``ib_live_``) and the last four characters."""
    env = environment_of(api_key) or "live"
    return f"ib_{env}_", api_key[-4:]
