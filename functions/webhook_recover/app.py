"""POST /v1/webhooks/{webhook_id}/recover: re-send every failed or dead delivery of a time window."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.webhooks import Recovered, WebhookRecover
from intentbid.services import deliveries


@api_handler("webhook_recover")
def handler(req: Request) -> Recovered:
    return deliveries.recover(req.require_principal(), req.path_params["webhook_id"], req.body(WebhookRecover))
