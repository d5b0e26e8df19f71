"""POST /v1/rfos/{rfo_id}/close: OPEN -> CLOSED."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.rfos import Reason, Rfo
from intentbid.services import rfos


@api_handler("rfo_close")
def handler(req: Request) -> Rfo:
    return rfos.close(req.require_principal(), req.path_params["rfo_id"], req.body_or_empty(Reason))
