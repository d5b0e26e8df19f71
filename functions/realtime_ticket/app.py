"""POST /v1/realtime/tickets: a one-time ticket for the caller's realtime WebSocket."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.realtime import RealtimeTicket
from intentbid.services import realtime


@api_handler("realtime_ticket")
def handler(req: Request) -> RealtimeTicket:
    return realtime.create_ticket(req.require_principal())
