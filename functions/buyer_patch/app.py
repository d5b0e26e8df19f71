"""PATCH /v1/buyers/{buyer_id}: the buyer's notification email settings (notify_email, email_events)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import Account, AccountPatch
from intentbid.services import accounts


@api_handler("buyer_patch")
def handler(req: Request) -> Account:
    return accounts.patch(req.require_principal(), "buyer", req.path_params["buyer_id"], req.body(AccountPatch))
