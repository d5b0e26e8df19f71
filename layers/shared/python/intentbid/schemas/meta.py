from __future__ import annotations

from typing import Literal

from intentbid.schemas.common import Out


class Health(Out):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] | None = None
