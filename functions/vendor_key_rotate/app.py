"""POST /v1/vendors/{vendor_id}/keys/{key_id}/rotate: a successor key; the old one works until the grace ends."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import KeyCreated, KeyRotate
from intentbid.services import keys


@api_handler("vendor_key_rotate")
def handler(req: Request) -> KeyCreated:
    p, params = req.require_principal(), req.path_params
    return keys.rotate(p, "vendor", params["vendor_id"], params["key_id"], req.body_or_empty(KeyRotate))
