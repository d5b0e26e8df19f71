"""Envelope encryption of stored secrets (webhook signing secrets): AES-256-GCM under a fresh data key per
secret, the data key wrapped by KMS in AWS or by a local master key in the local runtime and tests.

Sealed form (one string attribute): ``v1.<kms|local>.<b64 wrapped data key>.<b64 nonce>.<b64 ciphertext>``.
The ``context`` (e.g. the webhook's id and owner) is bound twice: as the GCM associated data and as the KMS
encryption context (or the local wrap's associated data), so a sealed value copied to another item does not
open. Plaintexts never reach a log, an audit entry or an exception message.

Which wrapper: ``WEBHOOK_SECRETS_KEY_ARN`` set (CDK sets it) -> KMS (``GenerateDataKey`` to seal, ``Decrypt``
to open); else the local master key - ``INTENTBID_SECRETS_LOCAL_KEY_FILE`` (created 0600 with 32 random bytes
on first use; ``make dev``: ``.local/secrets.key``, so saved data still opens after a restart) or, unset, one
key per process (tests). A deployed stage (``STAGE`` other than local or unset) without the KMS key refuses.
"""

from __future__ import annotations

import base64
import json
import os
import secrets as random
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from intentbid.config import LOCAL_STAGES, settings

VERSION = "v1"
NONCE_BYTES = 12


class SecretBoxError(Exception):
    """A sealed value that does not open (wrong key, wrong context, tampered) or a box that cannot be used."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aad(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(sorted(context.items())), separators=(",", ":")).encode()


class Wrapper(Protocol):
    name: str

    def new_data_key(self, context: Mapping[str, str]) -> tuple[bytes, bytes]:
        """(plaintext data key, wrapped data key)."""
        ...

    def unwrap(self, wrapped: bytes, context: Mapping[str, str]) -> bytes: ...


class KmsWrapper:
    name = "kms"

    def __init__(self, key_arn: str, client: Any = None) -> None:
        self.key_arn = key_arn
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("kms", region_name=settings().deployment.region)
        return self._client

    def new_data_key(self, context: Mapping[str, str]) -> tuple[bytes, bytes]:
        out = self.client.generate_data_key(KeyId=self.key_arn, KeySpec="AES_256", EncryptionContext=dict(context))
        return bytes(out["Plaintext"]), bytes(out["CiphertextBlob"])

    def unwrap(self, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        from botocore.exceptions import ClientError

        try:
            out = self.client.decrypt(CiphertextBlob=wrapped, EncryptionContext=dict(context), KeyId=self.key_arn)
        except ClientError as exc:  # a wrong context or key: the code only, never the blob
            raise SecretBoxError(f"KMS refused the data key: {exc.response['Error']['Code']}") from None
        return bytes(out["Plaintext"])


class LocalWrapper:
    """Data keys wrapped with AES-GCM under a 32-byte master key held by the local runtime."""

    name = "local"

    def __init__(self, master: bytes) -> None:
        if len(master) != 32:
            raise SecretBoxError("the local master key must be 32 bytes")
        self._master = master

    def new_data_key(self, context: Mapping[str, str]) -> tuple[bytes, bytes]:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key, nonce = random.token_bytes(32), random.token_bytes(NONCE_BYTES)
        return key, nonce + AESGCM(self._master).encrypt(nonce, key, _aad(context))

    def unwrap(self, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            return AESGCM(self._master).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _aad(context))
        except InvalidTag:
            raise SecretBoxError("the data key does not open under the local master key") from None


def load_key_file(path: Path) -> bytes:
    """The master key in ``path`` (base64), created 0600 with a new random key when absent."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(random.token_bytes(32)).decode() + "\n")
    key = base64.b64decode(path.read_text().strip())
    if len(key) != 32:
        raise SecretBoxError(f"{path} does not hold a 32-byte base64 key")
    return key


@cache
def _process_key() -> bytes:
    return random.token_bytes(32)


def wrapper() -> Wrapper:
    """The wrapper the settings name (see the module docstring)."""
    s = settings()
    if s.deployment.webhook_secrets_key_arn:
        return _kms(s.deployment.webhook_secrets_key_arn)
    if s.deployment.stage not in LOCAL_STAGES:
        raise SecretBoxError("WEBHOOK_SECRETS_KEY_ARN is not set: a deployed stage seals secrets with KMS only")
    path = s.webhooks.secrets_local_key_file
    return LocalWrapper(load_key_file(Path(path)) if path else _process_key())


@cache
def _kms(key_arn: str) -> KmsWrapper:
    return KmsWrapper(key_arn)


def seal(plaintext: str, context: Mapping[str, str], using: Wrapper | None = None) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    w = using or wrapper()
    key, wrapped = w.new_data_key(context)
    nonce = random.token_bytes(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode(), _aad(context))
    return ".".join((VERSION, w.name, _b64(wrapped), _b64(nonce), _b64(ciphertext)))


def open_sealed(sealed: str, context: Mapping[str, str], using: Wrapper | None = None) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        version, name, wrapped, nonce, ciphertext = sealed.split(".")
    except ValueError:
        raise SecretBoxError("not a sealed value") from None
    w = using or wrapper()
    if version != VERSION or name != w.name:
        raise SecretBoxError(f"sealed by {name!r}, this box is {w.name!r}")
    key = w.unwrap(_unb64(wrapped), context)
    try:
        return AESGCM(key).decrypt(_unb64(nonce), _unb64(ciphertext), _aad(context)).decode()
    except InvalidTag:
        raise SecretBoxError("the sealed value does not open in this context") from None
