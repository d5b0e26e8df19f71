"""DELETE /v1/rfos/{rfo_id}/public-token: the share link stops working at once."""

from intentbid.http.api import Request, Response, api_handler
from intentbid.services import public


@api_handler("public_token_revoke")
def handler(req: Request) -> Response:
    public.revoke_token(req.require_principal(), req.path_params["rfo_id"])
    return Response(status=204)
