"""GET /v1/webhooks/{webhook_id}/deliveries/{delivery_id}: one delivery with every attempt."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.webhooks import Delivery
from intentbid.services import deliveries


@api_handler("webhook_delivery_get")
def handler(req: Request) -> Delivery:
    p = req.path_params
    return deliveries.get(req.require_principal(), p["webhook_id"], p["delivery_id"])
