"""POST /v1/vendors/{vendor_id}/keys/{key_id}/revoke: revoke at once (idempotent)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import KeyInfo
from intentbid.services import keys


@api_handler("vendor_key_revoke")
def handler(req: Request) -> KeyInfo:
    return keys.revoke(req.require_principal(), "vendor", req.path_params["vendor_id"], req.path_params["key_id"])
