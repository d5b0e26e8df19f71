"""POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry: one more attempt now."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.webhooks import DeliveryQueued
from intentbid.services import deliveries


@api_handler("webhook_delivery_retry")
def handler(req: Request) -> DeliveryQueued:
    p = req.path_params
    return deliveries.retry(req.require_principal(), p["webhook_id"], p["delivery_id"])
