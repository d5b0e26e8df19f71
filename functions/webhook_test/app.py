"""POST /v1/webhooks/{webhook_id}/test: a real signed webhook.test delivery to the endpoint, queued now."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.webhooks import DeliveryQueued, WebhookTest
from intentbid.services import deliveries


@api_handler("webhook_test")
def handler(req: Request) -> DeliveryQueued:
    return deliveries.test(req.require_principal(), req.path_params["webhook_id"], req.body_or_empty(WebhookTest))
