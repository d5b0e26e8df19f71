"""GET /v1/public/rfos/{token}: the shared RFO's public view (no key; rate limited per source IP)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.rfos import PublicRfo
from intentbid.services import public


@api_handler("public_rfo")
def handler(req: Request) -> PublicRfo:
    return public.view(req.path_params["token"])
