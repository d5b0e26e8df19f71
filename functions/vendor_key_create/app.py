"""POST /v1/vendors/{vendor_id}/keys: a new API key (the secret is shown once)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import KeyCreate, KeyCreated
from intentbid.services import keys


@api_handler("vendor_key_create")
def handler(req: Request) -> KeyCreated:
    return keys.create(req.require_principal(), "vendor", req.path_params["vendor_id"], req.body(KeyCreate))
