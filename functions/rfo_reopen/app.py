"""POST /v1/rfos/{rfo_id}/reopen: CLOSED -> OPEN with a new deadline."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.rfos import Reopen, Rfo
from intentbid.services import rfos


@api_handler("rfo_reopen")
def handler(req: Request) -> Rfo:
    return rfos.reopen(req.require_principal(), req.path_params["rfo_id"], req.body(Reopen))
