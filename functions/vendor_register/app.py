"""POST /v1/vendors/register: a vendor and its first key (shown once)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import RegisterRequest, VendorRegistration
from intentbid.services import accounts


@api_handler("vendor_register", on_replay=accounts.reissue_on_replay("vendor"))
def handler(req: Request) -> VendorRegistration:
    return accounts.register("vendor", req.body(RegisterRequest), request_id=req.request_id, source_ip=req.source_ip)  # type: ignore[return-value]
