"""GET /v1/buyers/{buyer_id}/keys: the caller's environment's keys, a page at a time, without secrets."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import KeyPage
from intentbid.schemas.common import PageQuery
from intentbid.services import keys


@api_handler("buyer_key_list")
def handler(req: Request) -> KeyPage:
    return keys.list_(req.require_principal(), "buyer", req.path_params["buyer_id"], req.query_as(PageQuery))
