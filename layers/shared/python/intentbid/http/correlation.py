"""The one correlation-id rule: a client's ``X-Correlation-Id`` is echoed and logged only if it matches this
(printable, no spaces, at most 128 characters); anything else is replaced by the request id. Shared by the
Lambda middleware (``intentbid.http.api``) and the local gateway's own answers."""

from __future__ import annotations

import re

PATTERN = r"^[A-Za-z0-9._:\-]{1,128}$"
_RE = re.compile(PATTERN)


def valid(value: str) -> bool:
    return _RE.match(value) is not None
