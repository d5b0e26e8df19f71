"""POST /v1/webhooks/{webhook_id}/rotate-secret: a new signing secret (shown once); the old one signs during
the grace."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.webhooks import WebhookRotate, WebhookSecret
from intentbid.services import webhooks


@api_handler("webhook_rotate")
def handler(req: Request) -> WebhookSecret:
    return webhooks.rotate(req.require_principal(), req.path_params["webhook_id"], req.body_or_empty(WebhookRotate))
