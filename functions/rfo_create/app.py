"""POST /v1/rfos: a buyer posts a request for offers."""

from intentbid.domain import clock, rfo_rules
from intentbid.http.api import Request, api_handler
from intentbid.schemas.rfos import Rfo, RfoCreate
from intentbid.services import rfos


@api_handler("rfo_create")
def handler(req: Request) -> Rfo:
    p = req.require_principal()
    return rfos.create(p, req.body(RfoCreate, rules=lambda fields: rfo_rules.create_errors(fields, clock.now())))
