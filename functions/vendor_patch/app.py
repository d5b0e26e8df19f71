"""PATCH /v1/vendors/{vendor_id}: the vendor's notification email settings (notify_email, email_events)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import Account, AccountPatch
from intentbid.services import accounts


@api_handler("vendor_patch")
def handler(req: Request) -> Account:
    return accounts.patch(req.require_principal(), "vendor", req.path_params["vendor_id"], req.body(AccountPatch))
