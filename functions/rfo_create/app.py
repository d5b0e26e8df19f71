"""POST /v1/rfos: a buyer posts a request for offers."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.rfos import Rfo, RfoCreate
from intentbid.services import rfos


@api_handler("rfo_create")
def handler(req: Request) -> Rfo:
    return rfos.create(req.require_principal(), req.body(RfoCreate))
