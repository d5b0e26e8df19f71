"""POST /v1/buyers/{buyer_id}/keys/{key_id}/revoke: revoke at once (idempotent)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import KeyInfo
from intentbid.services import keys


@api_handler("buyer_key_revoke")
def handler(req: Request) -> KeyInfo:
    return keys.revoke(req.require_principal(), "buyer", req.path_params["buyer_id"], req.path_params["key_id"])
