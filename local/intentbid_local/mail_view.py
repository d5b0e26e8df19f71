"""The local mail view (``make dev``): every notification email the email worker sent through SES, as moto's SES
backend holds it (the worker's code is the same as on AWS: it calls SES v2; moto keeps the raw MIME message).

``GET /_local/mail`` is an HTML page (newest first: sender, recipient, subject, the correlation and event
headers, the plain-text part and the HTML part in a sandboxed frame); ``GET /_local/mail.json`` the same as JSON
(tests and scripts). Local-only paths: the local gateway answers them before the route table, a deployed stage
has no such path. The local runtime verifies :data:`DOMAIN` in moto's SES, so the worker may send as
:data:`SENDER`.
"""

from __future__ import annotations

import contextlib
import email
import html
import json
from email import policy
from typing import Any

from intentbid_local.environment import REGION

PATH = "/_local/mail"
JSON_PATH = PATH + ".json"
DOMAIN = "intentbid.local"
SENDER = f"IntentBid <notifications@{DOMAIN}>"
SHOWN_HEADERS = ("X-Correlation-Id", "X-IntentBid-Event-Id", "X-IntentBid-Event-Type", "Date", "Message-ID")


def _backend() -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return ses_backends[DEFAULT_ACCOUNT_ID][REGION]


def parse(raw: str) -> dict[str, Any]:
    msg = email.message_from_string(raw, policy=policy.default)
    text = msg.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    body = msg.get_body(preferencelist=("html",))  # type: ignore[attr-defined]
    return {
        "from": str(msg.get("From", "")),
        "to": str(msg.get("To", "")),
        "subject": str(msg.get("Subject", "")),
        "headers": {h: str(msg[h]) for h in SHOWN_HEADERS if msg.get(h) is not None},
        "text": text.get_content() if text is not None else "",
        "html": body.get_content() if body is not None else "",
    }


def sent() -> list[dict[str, Any]]:
    """Every message sent so far, newest first (raw messages parsed; simple ones as they are)."""
    out: list[dict[str, Any]] = []
    for m in list(_backend().sent_messages):
        raw = getattr(m, "raw_data", None)
        if raw is not None:
            item = parse(raw)
        else:
            item = {"from": m.source, "to": ", ".join(m.destinations.get("ToAddresses", [])), "subject": m.subject}
            item.update(headers={}, text=m.body, html="")
        item["id"] = m.id
        out.append(item)
    out.reverse()
    return out


def render_json() -> bytes:
    return json.dumps({"messages": sent()}, ensure_ascii=False).encode()


def render_html() -> bytes:
    e = html.escape
    rows = []
    for m in sent():
        heads = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in m["headers"].items())
        rows.append(
            f"<article><h2>{e(m['subject'])}</h2><dl><dt>From</dt><dd>{e(m['from'])}</dd><dt>To</dt>"
            f"<dd>{e(m['to'])}</dd>{heads}</dl><h3>Plain text</h3><pre>{e(m['text'])}</pre><h3>HTML</h3>"
            f'<iframe sandbox="" title="HTML part" srcdoc="{e(m["html"], quote=True)}"></iframe></article>'
        )
    body = "".join(rows) or "<p>No email sent yet.</p>"
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local mail</title><style>'
        "body{font-family:sans-serif;margin:2rem}article{border:1px solid #ccc;padding:1rem;margin:1rem 0}"
        "dt{font-weight:bold}iframe{width:100%;height:14rem;border:1px solid #eee}pre{white-space:pre-wrap}"
        f"</style></head><body><h1>Local mail ({len(rows)})</h1><p>What the email worker sent through SES "
        f'(moto). JSON: <a href="{JSON_PATH}">{JSON_PATH}</a></p>{body}</body></html>'
    )
    return page.encode()


def verify_sender(ses: Any) -> None:
    """Verify :data:`DOMAIN` in moto's SES (idempotent), so the worker may send as :data:`SENDER`."""
    with contextlib.suppress(ses.exceptions.AlreadyExistsException):
        ses.create_email_identity(EmailIdentity=DOMAIN)
