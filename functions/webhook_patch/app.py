"""PATCH /v1/webhooks/{webhook_id}: change the URL, events or description; disable or re-enable."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.webhooks import Webhook, WebhookPatch
from intentbid.services import webhooks


@api_handler("webhook_patch")
def handler(req: Request) -> Webhook:
    return webhooks.patch(req.require_principal(), req.path_params["webhook_id"], req.body(WebhookPatch))
