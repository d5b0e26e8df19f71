"""The outbound guard (``intentbid.adapters.outbound``) against real sockets on this machine only: the address is
resolved once and pinned (Host and TLS SNI of the name on a connection to the checked IP), DNS rebinding is
refused at send, redirects are not followed, reads are capped, a stalling receiver ends at the deadline. The
resolver is injected: no lookup leaves the process."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from intentbid.adapters import outbound
from intentbid.config import WebhookPolicy
from intentbid.domain import url_rules
from intentbid.domain.errors import ValidationFailed

LOCAL = WebhookPolicy(webhook_allow_local=True, webhook_connect_timeout_s=2, webhook_timeout_s=2)
DEPLOYED = WebhookPolicy()
NAME = "hooks.test.example"


class Receiver(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []
    mode = "ok"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        Receiver.seen.append({"host": self.headers["Host"], "body": self.rfile.read(length), "path": self.path})
        if Receiver.mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest")
            self.end_headers()
        elif Receiver.mode == "huge":
            self.send_response(200)
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            try:
                for _ in range(50):
                    self.wfile.write(b"x" * 1024 * 1024)
            except OSError:
                pass  # the guard hung up after its 1 KB: as meant
        elif Receiver.mode == "stall":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(40):  # a byte every 0.1 s: each read is quick, the whole is not
                try:
                    self.wfile.write(b"y")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
        else:
            self.send_response(204 if Receiver.mode == "ok" else 410)
            self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    Receiver.seen, Receiver.mode = [], "ok"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def resolving(answers: dict[str, list[list[str]]]) -> Any:
    """A resolver answering each name with its next answer in turn (the last one repeats); counts lookups."""
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        queue = answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


def test_a_name_public_at_create_and_private_at_send_is_refused_at_send(server: ThreadingHTTPServer) -> None:
    resolve = resolving({"rebind.example.com": [["93.184.215.14"], ["10.0.0.7"]]})
    with outbound.use_resolver(resolve):
        outbound.check_url("https://rebind.example.com/hook", policy=DEPLOYED)  # public now: accepted
        outcome = outbound.post("https://rebind.example.com/hook", b"{}", {}, policy=DEPLOYED)
    assert outcome.error == "blocked_address" and outcome.status is None and "private" in str(outcome.reason)
    assert Receiver.seen == []


@pytest.mark.parametrize(
    "answer",
    [
        ["169.254.169.254"],
        ["fd00:ec2::254"],
        ["100.64.1.1"],
        ["::ffff:10.0.0.1"],
        ["127.0.0.1"],
        ["0.0.0.0"],  # noqa: S104 - an answer refused, nothing binds
        ["93.184.215.14", "192.168.0.1"],
    ],
)
def test_every_resolved_address_is_checked_at_send(answer: list[str]) -> None:
    with outbound.use_resolver(lambda host, port: answer):
        outcome = outbound.post("https://hooks.example.com/", b"{}", {}, policy=DEPLOYED)
    assert outcome.error == "blocked_address"


def test_the_connection_goes_to_the_checked_address_with_the_names_host(server: ThreadingHTTPServer) -> None:
    port = server.server_address[1]
    name = "hooks.localhost"  # plain http: loopback names only (the local setting)
    resolve = resolving({name: [["127.0.0.1"], ["10.9.9.9"]]})  # a second lookup would be refused
    with outbound.use_resolver(resolve):
        outcome = outbound.post(f"http://{name}:{port}/in?x=1", b'{"a":1}', {"webhook-id": "evt_1"}, policy=LOCAL)
    assert outcome.ok and outcome.status == 204 and outcome.address == "127.0.0.1", outcome
    assert resolve.calls == [name]  # resolved once; the connection used that answer
    assert Receiver.seen == [{"host": f"{name}:{port}", "body": b'{"a":1}', "path": "/in?x=1"}]


def test_redirects_are_failures_and_never_followed(server: ThreadingHTTPServer) -> None:
    Receiver.mode = "redirect"
    outcome = outbound.post(f"http://127.0.0.1:{server.server_address[1]}/", b"{}", {}, policy=LOCAL)
    assert outcome.status == 302 and outcome.error == "redirect" and len(Receiver.seen) == 1


def test_a_50_mb_answer_is_read_to_the_cap_only(server: ThreadingHTTPServer) -> None:
    Receiver.mode = "huge"
    outcome = outbound.post(f"http://127.0.0.1:{server.server_address[1]}/", b"{}", {}, policy=LOCAL)
    assert outcome.ok and outcome.excerpt == "x" * 1024


def test_a_receiver_that_trickles_ends_at_the_deadline(server: ThreadingHTTPServer) -> None:
    Receiver.mode = "stall"
    policy = WebhookPolicy(webhook_allow_local=True, webhook_connect_timeout_s=1, webhook_timeout_s=1)
    started = time.monotonic()
    outcome = outbound.post(f"http://127.0.0.1:{server.server_address[1]}/", b"{}", {}, policy=policy)
    assert outcome.error == "timeout" and time.monotonic() - started < 2.5


def test_a_closed_port_is_refused_and_410_is_a_status() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert outbound.post(f"http://127.0.0.1:{port}/", b"{}", {}, policy=LOCAL).error == "refused"


def test_loopback_and_http_need_the_local_setting() -> None:
    for url in ("http://127.0.0.1:9/", "https://127.0.0.1/", "https://localhost/"):
        assert outbound.post(url, b"{}", {}, policy=DEPLOYED).error == "url_not_allowed"
        with pytest.raises(ValidationFailed) as refused:
            outbound.check_url(url, policy=DEPLOYED)
        assert refused.value.code == "webhook_url_not_allowed"
    with pytest.raises(ValidationFailed):
        url_rules.parse("http://hooks.example.com/", allow_local=True)  # plain http: loopback only


def _cert(tmp: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / f"{name}.pem", tmp / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_tls_sends_the_names_sni_and_verifies_its_certificate_on_the_pinned_ip(tmp_path: Path) -> None:
    cert, key = _cert(tmp_path, NAME)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    sni: list[str | None] = []
    server_ctx.sni_callback = lambda sock, name, ctx: sni.append(name)  # type: ignore[assignment,func-returns-value]
    Receiver.seen, Receiver.mode = [], "ok"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    httpd.socket = server_ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        port = httpd.server_address[1]
        trusting = ssl.create_default_context(cafile=str(cert))
        with outbound.use_resolver(lambda host, p: ["127.0.0.1"]):
            good = outbound.post(f"https://{NAME}:{port}/", b"{}", {}, policy=LOCAL, ssl_context=trusting)
            other = ssl.create_default_context(cafile=str(_cert(tmp_path, "other.example")[0]))
            bad = outbound.post(f"https://{NAME}:{port}/", b"{}", {}, policy=LOCAL, ssl_context=other)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert good.ok, good
    assert sni[0] == NAME and Receiver.seen[0]["host"] == f"{NAME}:{port}"
    assert bad.error == "tls"


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("10.1.1.1", False),
        ("172.16.0.1", False),
        ("100.100.100.200", False),
        ("169.254.0.5", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:93.184.215.14", False),
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
        ("255.255.255.255", False),
        ("ff02::1", False),
        ("::", False),
        ("198.51.100.7", False),  # documentation: not global
    ],
)
def test_address_rules(address: str, allowed: bool) -> None:
    assert (url_rules.address_problem(ipaddress.ip_address(address), allow_loopback=False) is None) is allowed
