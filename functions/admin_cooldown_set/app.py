"""POST /v1/admin/vendors/{vendor_id}/cooldown: ops put a vendor on cooldown."""

from intentbid import config
from intentbid.domain import clock, cooldown
from intentbid.http.api import Request, api_handler
from intentbid.schemas.antigaming import CooldownSet, VendorCooldown
from intentbid.services import antigaming


@api_handler("admin_cooldown_set")
def handler(req: Request) -> VendorCooldown:
    p = req.require_principal()
    policy = config.settings().cooldown
    body = req.body(
        CooldownSet,
        rules=lambda f: cooldown.manual_errors(f.get("until"), f.get("reason"), clock.now(), policy),
    )
    return antigaming.set_cooldown(p, req.path_params["vendor_id"], body)
