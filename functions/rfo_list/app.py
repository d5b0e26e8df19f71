"""GET /v1/rfos: a buyer's own RFOs, or the open RFOs a vendor may bid on."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.rfos import RfoListQuery, RfoPage
from intentbid.services import rfos


@api_handler("rfo_list")
def handler(req: Request) -> RfoPage:
    return rfos.list_(req.require_principal(), req.query_as(RfoListQuery))
