"""POST /v1/admin/vendors/{vendor_id}/cooldown: ops put a vendor on cooldown."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.antigaming import CooldownSet, VendorCooldown
from intentbid.services import antigaming


@api_handler("admin_cooldown_set")
def handler(req: Request) -> VendorCooldown:
    return antigaming.set_cooldown(req.require_principal(), req.path_params["vendor_id"], req.body(CooldownSet))
