"""POST /v1/rfos/{rfo_id}/award: award one offer; the others lose, atomically."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.rfos import Award, Rfo
from intentbid.services import rfos


@api_handler("rfo_award")
def handler(req: Request) -> Rfo:
    return rfos.award(req.require_principal(), req.path_params["rfo_id"], req.body(Award))
