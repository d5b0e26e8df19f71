"""GET /v1/me: who the calling key belongs to."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.accounts import Me
from intentbid.services import accounts


@api_handler("me")
def handler(req: Request) -> Me:
    return accounts.me(req.require_principal())
