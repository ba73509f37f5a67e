"""Credentials of the sandbox: a v2 API key and a v1 client id / RSA key pair.

The v1 flow is reproduced for real rather than faked: the sandbox makes an RSA key
pair, hands out the public key exactly as the console does (base64 DER X.509
SubjectPublicKeyInfo, the "client secret"), and decrypts the client's id_token with
the private key (PKCS#1 v1.5, as the vendor's JSEncrypt / PHP samples imply). A
client that pads, encodes or timestamps wrongly therefore fails here exactly as it
would against the service, instead of passing a mock that accepts anything.
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .clock import Clock, SystemClock

INVALID_API_KEY = {
    "status": 401,
    "error": "This API key is not recognized.",
    "error_code": "InvalidApiKey",
}
INVALID_ACCESS_TOKEN = {
    "status": 401,
    "error": "Invalid access token",
    "error_code": "InvalidAccessToken",
}


class AuthFailed(Exception):
    """The v1 id_token could not be accepted; `str()` says why (safe to show)."""


@dataclass
class AccessToken:
    token: str
    client_id: str
    expires_at: float


class Authority:
    """Issues and checks credentials for one sandbox instance."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        client_id: str | None = None,
        token_ttl_seconds: float = 7200.0,
        timestamp_window_seconds: float = 300.0,
        key_bits: int = 2048,
        clock: Clock | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.api_key = api_key or "sbx_" + secrets.token_urlsafe(24)
        self.client_id = client_id or "sandbox-" + secrets.token_hex(8)
        self.token_ttl_seconds = token_ttl_seconds
        self.timestamp_window_seconds = timestamp_window_seconds
        self._private_key = rsa.generate_private_key(public_exponent=65537, key_size=key_bits)
        der = self._private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.client_secret = base64.b64encode(der).decode("ascii")
        self._tokens: dict[str, AccessToken] = {}
        self._lock = threading.Lock()

    # -- v1 ---------------------------------------------------------------------
    def issue(self, client_id: str, id_token: str, *, now: float | None = None) -> AccessToken:
        """Check a v1 id_token and return a fresh access token (raises AuthFailed)."""
        now = self.clock.time() if now is None else now
        if client_id != self.client_id:
            raise AuthFailed("Unknown client_id")
        try:
            cipher = base64.b64decode(id_token, validate=True)
            plain = self._private_key.decrypt(cipher, padding.PKCS1v15()).decode("utf-8")
        except Exception:  # noqa: BLE001 - any decode/decrypt failure means the same to the caller
            raise AuthFailed("id_token could not be decrypted with the client secret") from None
        fields = {k: v[0] for k, v in parse_qs(plain, keep_blank_values=True).items()}
        if fields.get("client_id") != self.client_id:
            raise AuthFailed("id_token does not carry this client_id")
        try:
            ts_ms = int(fields.get("timestamp", ""))
        except ValueError:
            raise AuthFailed("id_token timestamp is not an integer of milliseconds") from None
        if abs(now - ts_ms / 1000.0) > self.timestamp_window_seconds:
            raise AuthFailed("id_token timestamp is outside the accepted window (check the clock, use ms)")
        tok = AccessToken(secrets.token_urlsafe(32), client_id, now + self.token_ttl_seconds)
        with self._lock:
            self._tokens[tok.token] = tok
        return tok

    def check_access_token(self, token: str, *, now: float | None = None) -> AccessToken | None:
        now = self.clock.time() if now is None else now
        with self._lock:
            tok = self._tokens.get(token)
        if tok is None or tok.expires_at <= now:
            return None
        return tok

    def expire_tokens(self) -> int:
        """Invalidate every issued v1 token (the `expire_token` fault); returns how many."""
        with self._lock:
            n = len(self._tokens)
            for t in self._tokens.values():
                t.expires_at = 0.0
        return n

    # -- v2 ---------------------------------------------------------------------
    def check_api_key(self, key: str) -> bool:
        return secrets.compare_digest(key.encode(), self.api_key.encode())


def bearer(header_value: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (exactly one space), else None."""
    if not header_value or not header_value.startswith("Bearer "):
        return None
    tok = header_value[len("Bearer ") :]
    return tok if tok and tok.strip() == tok else None
