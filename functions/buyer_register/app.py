"""POST /v1/buyers/register: a buyer and its first key (shown once)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import BuyerRegistration, RegisterRequest
from intentbid.services import accounts


@api_handler("buyer_register", on_replay=accounts.reissue_on_replay("buyer"))
def handler(req: Request) -> BuyerRegistration:
    return accounts.register("buyer", req.body(RegisterRequest), request_id=req.request_id, source_ip=req.source_ip)  # type: ignore[return-value]
