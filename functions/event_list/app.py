"""GET /v1/events: the caller's event log, newest first, a page at a time (the envelopes its webhooks carry)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.events import EventPage, EventQuery
from intentbid.services import event_log


@api_handler("event_list")
def handler(req: Request) -> EventPage:
    return event_log.list_(req.require_principal(), req.query_as(EventQuery))
