"""Standard Webhooks signatures (https://www.standardwebhooks.com): the one place a webhook is signed.

A secret is ``whsec_`` + base64 of random bytes (24-64; ours are 32). The signature of a message is
``v1,<base64 HMAC-SHA256(secret bytes, "<id>.<timestamp>.<body>")>``; ``webhook-signature`` carries one per
signing secret, space-separated, so during a rotation's grace both the new and the old secret sign and a
receiver holding either verifies. Receivers verify with the ``standardwebhooks`` library (the tests do).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random
from collections.abc import Sequence

PREFIX = "whsec_"
SECRET_BYTES = 32
MIN_BYTES, MAX_BYTES = 24, 64


def new_secret() -> str:
    return PREFIX + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode()


def key_of(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret (ValueError for anything else)."""
    if not secret.startswith(PREFIX):
        raise ValueError("not a whsec_ secret")
    raw = base64.b64decode(secret[len(PREFIX) :], validate=True)
    if not MIN_BYTES <= len(raw) <= MAX_BYTES:
        raise ValueError("a whsec_ secret holds 24 to 64 bytes")
    return raw


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(key_of(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(msg_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, signed by every secret in ``secrets`` (newest first)."""
    if not secrets:
        raise ValueError("at least one signing secret is needed")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets),
    }
