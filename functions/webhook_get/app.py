"""GET /v1/webhooks/{webhook_id}: one of the caller's endpoints (never its secret)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.webhooks import Webhook
from intentbid.services import webhooks


@api_handler("webhook_get")
def handler(req: Request) -> Webhook:
    return webhooks.get(req.require_principal(), req.path_params["webhook_id"])
