"""GET /v1/webhooks: the caller's endpoints of its environment, a page at a time, without secrets."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.common import PageQuery
from intentbid.schemas.webhooks import WebhookPage
from intentbid.services import webhooks


@api_handler("webhook_list")
def handler(req: Request) -> WebhookPage:
    return webhooks.list_(req.require_principal(), req.query_as(PageQuery))
