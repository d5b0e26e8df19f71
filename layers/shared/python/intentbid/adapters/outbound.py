"""The outbound guard: every call IntentBid makes to a customer's URL goes through this module.

At create and patch (:func:`check_url`): the URL rules of :mod:`intentbid.domain.url_rules`, then a courtesy
resolution (bounded by the connect timeout) whose addresses must all be allowed; a name that does not resolve
yet is accepted - the connection decides. At every connection (:func:`post`): the rules again, one resolution,
every resolved address checked (one bad address refuses the lot), and the connection made to the checked
address itself - TCP to the IP, with ``Host`` and TLS SNI/certificate verification for the name - so no second
lookup can swap in another address (DNS rebinding). Redirects are never followed (a 3xx is a failed attempt),
at most ``webhook_response_keep_bytes`` of the answer are read (the rest never leaves the socket), and one
deadline (``webhook_timeout_s``) bounds the whole call: a watchdog shuts the socket when it passes, so a
receiver that trickles bytes or never closes cannot hold a worker.

The resolver is injectable (:func:`use_resolver`): tests stage rebinding without any network.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass

from intentbid.config import WebhookPolicy, settings
from intentbid.domain import url_rules
from intentbid.domain.errors import ValidationFailed
from intentbid.domain.url_rules import IPAddress, Target

Resolver = Callable[[str, int], list[str]]
USER_AGENT = "IntentBid-Webhooks/1"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (A and AAAA), in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


_resolver: Resolver = system_resolver
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="resolve")


@contextmanager
def use_resolver(resolver: Resolver) -> Iterator[Resolver]:
    """Resolve with ``resolver`` (tests), restoring the previous one after."""
    global _resolver
    previous, _resolver = _resolver, resolver
    try:
        yield resolver
    finally:
        _resolver = previous


class Refused(Exception):
    """A connection the guard will not make; ``error`` is the delivery's error code."""

    def __init__(self, error: str, reason: str) -> None:
        super().__init__(reason)
        self.error, self.reason = error, reason


def _resolve(target: Target, timeout_s: float) -> list[IPAddress]:
    """The target's addresses: the literal itself, or one bounded lookup. Refused(``dns``) when nothing comes."""
    if target.address is not None:
        return [target.address]
    future = _pool.submit(_resolver, target.host, target.port)
    try:
        found = future.result(timeout=max(timeout_s, 0.001))
    except FutureTimeout:
        raise Refused("timeout", "the host name did not resolve in time") from None
    except (OSError, UnicodeError):
        raise Refused("dns", "the host name does not resolve") from None
    addresses = []
    for text in found:
        try:
            addresses.append(ipaddress.ip_address(text.split("%", 1)[0]))
        except ValueError:
            continue
    if not addresses:
        raise Refused("dns", "the host name does not resolve")
    return addresses


def _checked(addresses: list[IPAddress], allow_local: bool) -> IPAddress:
    for ip in addresses:
        why = url_rules.address_problem(ip, allow_local)
        if why:
            raise Refused("blocked_address", f"the host resolves to an address that is not allowed: {why}")
    return addresses[0]


def check_url(url: str, field: str = "url", policy: WebhookPolicy | None = None) -> Target:
    """The create/patch check: 400 ``webhook_url_not_allowed`` (naming the rule) for a URL that breaks a rule or
    whose name resolves to an address that may not be reached. A name that does not resolve is accepted."""
    policy = policy or settings().webhooks
    target = url_rules.parse(url, policy.webhook_allow_local, field)
    try:
        _checked(_resolve(target, policy.webhook_connect_timeout_s), policy.webhook_allow_local)
    except Refused as refused:
        if refused.error == "blocked_address":
            raise url_rules.refusal(refused.reason, field) from None
    return target


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt as the delivery record keeps it. ``error``: None on a 2xx, else ``timeout``, ``dns``,
    ``refused``, ``tls``, ``blocked_address``, ``redirect``, ``http_status``, ``connection``, ``url_not_allowed``."""

    status: int | None
    error: str | None
    excerpt: str
    elapsed_ms: int
    address: str | None = None
    reason: str | None = None
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _error_of(exc: BaseException, timed_out: bool) -> str:
    if timed_out:
        return "timeout"
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, (TimeoutError, socket.timeout)) or type(seen).__name__ in (
            "ConnectTimeoutError",
            "ReadTimeoutError",
        ):
            return "timeout"
        if isinstance(seen, ConnectionRefusedError):
            return "refused"
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return "tls"
        if isinstance(seen, socket.gaierror):
            return "dns"
        seen = seen.__cause__ or seen.__context__
    return "connection"


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    return "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in text)


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    policy: WebhookPolicy | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Outcome:
    """POST ``body`` to ``url`` under the guard; never raises for anything the receiver or the network does."""
    from urllib3.connection import HTTPConnection, HTTPSConnection  # botocore's dependency: in every Lambda

    policy = policy or settings().webhooks
    started = time.monotonic()
    deadline = started + policy.webhook_timeout_s

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = url_rules.parse(url, policy.webhook_allow_local)
    except ValidationFailed as exc:
        return Outcome(None, "url_not_allowed", "", elapsed(), reason=exc.detail)
    try:
        ip = _checked(
            _resolve(target, min(policy.webhook_connect_timeout_s, deadline - time.monotonic())),
            policy.webhook_allow_local,
        )
    except Refused as refused:
        return Outcome(None, refused.error, "", elapsed(), reason=refused.reason)
    connect_timeout = min(policy.webhook_connect_timeout_s, max(deadline - time.monotonic(), 0.001))
    if target.scheme == "https":
        context = ssl_context or ssl.create_default_context()
        conn: HTTPConnection = HTTPSConnection(
            str(ip),
            target.port,
            timeout=connect_timeout,
            server_hostname=target.host,  # SNI and certificate checks for the name, on the pinned address
            ssl_context=context,
        )
    else:
        conn = HTTPConnection(str(ip), target.port, timeout=connect_timeout)
    timed_out = threading.Event()
    opened: list[socket.socket] = []  # the connection's socket, once connected (the watchdog's handle)

    def watchdog() -> None:
        timed_out.set()
        for sock in opened:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(deadline - time.monotonic(), 0.001), watchdog)
    timer.daemon = True
    timer.start()
    try:
        conn.connect()
        if conn.sock is not None:
            opened.append(conn.sock)
            conn.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            if timed_out.is_set():  # the deadline passed while connecting
                raise TimeoutError("deadline")
        sent = {
            **dict(headers),
            "Host": target.host_header,
            "User-Agent": USER_AGENT,
            "Accept-Encoding": "identity",
            "Content-Length": str(len(body)),
            "Connection": "close",
        }
        conn.request("POST", target.path, body=body, headers=sent, preload_content=False, decode_content=False)
        response = conn.getresponse()
        raw = response.read(policy.webhook_response_keep_bytes) or b""
        status = int(response.status)
        retry_after = response.headers.get("Retry-After")
    except Exception as exc:
        return Outcome(None, _error_of(exc, timed_out.is_set()), "", elapsed(), str(ip))
    finally:
        timer.cancel()
        conn.close()
    if timed_out.is_set():
        return Outcome(status, "timeout", _excerpt(raw), elapsed(), str(ip))
    error = None if 200 <= status < 300 else ("redirect" if 300 <= status < 400 else "http_status")
    return Outcome(status, error, _excerpt(raw), elapsed(), str(ip), retry_after=retry_after)
