"""POST /v1/webhooks: a new webhook endpoint (its signing secret is shown once)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.webhooks import WebhookCreate, WebhookCreated
from intentbid.services import webhooks


@api_handler("webhook_create")
def handler(req: Request) -> WebhookCreated:
    return webhooks.create(req.require_principal(), req.body(WebhookCreate))
