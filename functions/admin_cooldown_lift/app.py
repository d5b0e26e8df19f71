"""DELETE /v1/admin/vendors/{vendor_id}/cooldown[?environment=test]: ops lift a vendor's cooldown (default live)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.antigaming import CooldownQuery, VendorCooldown
from intentbid.services import antigaming


@api_handler("admin_cooldown_lift")
def handler(req: Request) -> VendorCooldown:
    q = req.query_as(CooldownQuery)
    return antigaming.lift_cooldown(req.require_principal(), req.path_params["vendor_id"], q.environment)
