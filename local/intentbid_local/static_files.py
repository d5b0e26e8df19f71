"""The dashboard's static files, served on the API's origin (S3 + CloudFront do this in AWS).

``/`` is ``index.html``; ``/dashboard/<file>`` is ``dashboard/<file>``; other GETs that are not API paths fall
back to ``dashboard/<path>`` when such a file exists (relative asset links from ``/``). Any path that would
leave the folder (``..``, encoded or not, backslashes, NUL, symlinks pointing out) is refused.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}
PREFIX = "/dashboard"
# Sent with every dashboard file (people paste API keys into it): index.html's own <meta> policy, plus what a
# <meta> policy cannot say: no framing (clickjacking), no MIME sniffing, no referrer. In AWS the same headers
# belong on whatever serves the dashboard (a CloudFront response headers policy; not deployed yet).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)


def content_type(path: Path) -> str:
    ext = path.suffix.lower()
    return _TYPES.get(ext) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def relative_request_path(url_path: str) -> str | None:
    """The file path under the dashboard that ``url_path`` asks for ('' means the index), or ``None`` when
    the URL is not a dashboard URL (``/v1/...``, ``/docs``, ``/errors``)."""
    if url_path in ("/", PREFIX + "/"):
        return ""
    if url_path.startswith(PREFIX + "/"):
        return url_path[len(PREFIX) + 1 :]
    if url_path.startswith(("/v1/", "/docs", "/errors")) or url_path in ("/v1", PREFIX):
        return None
    return url_path.lstrip("/")


def resolve(root: Path, relative: str) -> Path | None:
    """The file under ``root`` for ``relative`` (URL-encoded), or ``None`` if missing or outside ``root``."""
    decoded = unquote(relative)
    if "\x00" in decoded or "\\" in decoded:
        return None
    parts = [p for p in decoded.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    try:
        base = root.resolve(strict=True)
        target = base.joinpath(*parts) if parts else base
        if target.is_dir():
            target = target / "index.html"
        target = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target
