"""PATCH /v1/buyers/{buyer_id}/keys/{key_id}: rename, narrow scopes, change the IP allowlist."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import KeyInfo, KeyPatch
from intentbid.services import keys


@api_handler("buyer_key_patch")
def handler(req: Request) -> KeyInfo:
    p, params = req.require_principal(), req.path_params
    return keys.patch(p, "buyer", params["buyer_id"], params["key_id"], req.body(KeyPatch))
