"""GET /v1/webhooks/{webhook_id}/deliveries: the endpoint's deliveries, newest first, a page at a time."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.webhooks import DeliveryPage, DeliveryQuery
from intentbid.services import deliveries


@api_handler("webhook_deliveries")
def handler(req: Request) -> DeliveryPage:
    return deliveries.list_(req.require_principal(), req.path_params["webhook_id"], req.query_as(DeliveryQuery))
