"""POST /v1/rfos/{rfo_id}/award: award one offer; the others lose, atomically. ``offer_revision`` in the body
or ``If-Match: <the offer's ETag>`` pins the terms the buyer decided on (409 ``offer_changed`` otherwise)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.rfos import Award, Rfo
from intentbid.services import rfos


@api_handler("rfo_award")
def handler(req: Request) -> Rfo:
    return rfos.award(
        req.require_principal(), req.path_params["rfo_id"], req.body(Award), if_match=req.headers.get("if-match")
    )
