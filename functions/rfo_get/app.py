"""GET /v1/rfos/{rfo_id}."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.rfos import Rfo
from intentbid.services import rfos


@api_handler("rfo_get")
def handler(req: Request) -> Rfo:
    return rfos.get(req.require_principal(), req.path_params["rfo_id"])
