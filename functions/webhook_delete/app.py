"""DELETE /v1/webhooks/{webhook_id}: delete at once (secrets dropped; then 404 everywhere)."""

from intentbid.http.api import Request, Response, api_handler
from intentbid.services import webhooks


@api_handler("webhook_delete")
def handler(req: Request) -> Response:
    webhooks.delete(req.require_principal(), req.path_params["webhook_id"])
    return Response(status=204)
