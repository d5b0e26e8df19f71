"""DELETE /v1/admin/vendors/{vendor_id}/cooldown: ops lift a vendor's cooldown."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.antigaming import VendorCooldown
from intentbid.services import antigaming


@api_handler("admin_cooldown_lift")
def handler(req: Request) -> VendorCooldown:
    return antigaming.lift_cooldown(req.require_principal(), req.path_params["vendor_id"])
