from __future__ import annotations

from pydantic import Field

from intentbid.schemas.common import Integer, Out


class RealtimeTicket(Out):
    ticket: str = Field(
        description="One-time ticket: open the WebSocket at `url?ticket=<ticket>` within `expires_in` seconds. "
        "A used, unknown or expired ticket is refused (401)."
    )
    url: str = Field(description="The WebSocket URL (`wss://…`; `ws://…` on the local runtime)")
    expires_in: Integer = Field(description="Seconds the ticket stays usable", examples=[60])
