"""GET /v1/buyers/{buyer_id}/keys: the keys, without secrets."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import KeyPage
from intentbid.services import keys


@api_handler("buyer_key_list")
def handler(req: Request) -> KeyPage:
    return keys.list_(req.require_principal(), "buyer", req.path_params["buyer_id"])
