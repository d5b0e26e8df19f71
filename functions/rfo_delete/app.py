"""DELETE /v1/rfos/{rfo_id}: soft delete (then 404 everywhere)."""

from intentbid.http.api import Request, Response, api_handler
from intentbid.services import rfos


@api_handler("rfo_delete")
def handler(req: Request) -> Response:
    rfos.delete(req.require_principal(), req.path_params["rfo_id"])
    return Response(status=204)
