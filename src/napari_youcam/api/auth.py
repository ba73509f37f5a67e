"""Authorization headers for the two API generations.

v2 sends the API key as a bearer token. v1 exchanges the client id and an RSA
``id_token`` for a 2-hour access token (API-V1.md §1): the token is cached, shared
by threads (one lock, so ten threads starting together make one auth call), renewed
a little before it expires and once more when the service answers 401.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from napari_youcam.api.errors import AuthenticationError
from napari_youcam.errors import InputError
from napari_youcam.limits import JsonObject

TOKEN_LIFETIME_S = 2 * 3600.0
# Renew this long before the documented expiry so a slow request never carries a
# token that dies in flight.
TOKEN_MARGIN_S = 120.0
AUTH_PATH = "/s2s/v1.0/client/auth"


def load_public_key(client_secret: str) -> rsa.RSAPublicKey:
    """Parse the client secret: base64 DER SubjectPublicKeyInfo, or PEM-wrapped.

    The console shows the key as bare base64; the vendor's PHP sample wraps it in
    PEM lines. Both are accepted. The error never echoes the secret.
    """
    text = client_secret.strip()
    try:
        if "BEGIN" in text:
            key = serialization.load_pem_public_key(text.encode())
        else:
            der = base64.b64decode("".join(text.split()), validate=False)
            key = serialization.load_der_public_key(der)
    except Exception as exc:  # noqa: BLE001 - any parse failure means the same thing
        raise InputError("YOUCAM_CLIENT_SECRET is not a valid RSA public key (expected base64 X.509 / PEM)") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise InputError("YOUCAM_CLIENT_SECRET is not an RSA public key")
    return key


def make_id_token(client_id: str, client_secret: str, *, timestamp_ms: int | None = None) -> str:
    """base64(RSA-PKCS#1-v1.5-encrypt("client_id=<id>&timestamp=<ms>")).

    PKCS#1 v1.5 is what JSEncrypt and PHP ``openssl_public_encrypt`` (the vendor
    samples) use by default.
    """
    ts = int(time.time() * 1000) if timestamp_ms is None else int(timestamp_ms)
    plaintext = f"client_id={client_id}&timestamp={ts}".encode()
    key = load_public_key(client_secret)
    return base64.b64encode(key.encrypt(plaintext, padding.PKCS1v15())).decode("ascii")


class Auth(Protocol):
    """What the transport asks of an authorization scheme."""

    def header(self) -> dict[str, str]:
        """The headers that authorize one request (empty for none)."""
        ...

    def invalidate(self, used: dict[str, str] | None = None) -> bool:
        """After a 401: drop what ``used`` carried; True when a retry may succeed."""
        ...


class NoAuth:
    """No credentials (the v1 token exchange itself, or a transport before its auth is set)."""

    def header(self) -> dict[str, str]:
        return {}

    def invalidate(self, used: dict[str, str] | None = None) -> bool:
        return False


class ApiKeyAuth:
    """v2: the API key itself is the bearer token; nothing to renew."""

    def __init__(self, api_key: str):
        self._key = api_key

    def header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}

    def invalidate(self, used: dict[str, str] | None = None) -> bool:
        """An API key cannot be renewed: a 401 is final."""
        return False

    def __repr__(self) -> str:
        return "ApiKeyAuth(***)"


class TokenAuth:
    """v1: access token from ``POST /s2s/v1.0/client/auth``, cached and thread-safe.

    ``fetch`` performs the auth POST (given the JSON body) and returns the parsed
    reply; it is injected by the transport so this class needs no HTTP code.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        fetch: Callable[[JsonObject], JsonObject],
        *,
        lifetime_s: float = TOKEN_LIFETIME_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._client_id = client_id
        self._secret = client_secret
        self._fetch = fetch
        self._lifetime = lifetime_s
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self.renewals = 0  # how many tokens were fetched (tests and diagnostics)

    def _refresh_locked(self) -> None:
        body = {"client_id": self._client_id, "id_token": make_id_token(self._client_id, self._secret)}
        reply = self._fetch(body)
        result = reply.get("result") if isinstance(reply, dict) else None
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            raise AuthenticationError("authentication reply carried no access token")
        self._token = str(token)
        self._expires = self._clock() + max(self._lifetime - TOKEN_MARGIN_S, self._lifetime / 2)
        self.renewals += 1

    def header(self) -> dict[str, str]:
        with self._lock:
            if not self._token or self._clock() >= self._expires:
                self._refresh_locked()
            return {"Authorization": f"Bearer {self._token}"}

    def invalidate(self, used: dict[str, str] | None = None) -> bool:
        """Forget the token after a 401 so the next `header` fetches a new one.

        When another thread already replaced the token that failed, keep the new
        one (comparing the header that was used) instead of renewing twice.
        """
        with self._lock:
            if used is not None and self._token and used.get("Authorization") != f"Bearer {self._token}":
                return True
            self._token = None
            self._expires = 0.0
            return True

    @property
    def token(self) -> str | None:
        """The cached token (for `redact`)."""
        return self._token

    def __repr__(self) -> str:
        return f"TokenAuth(client_id=***, cached={self._token is not None})"
