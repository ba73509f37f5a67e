"""Who we are to the service: a v2 API key, or a v1 client id + secret.

Credentials come from the environment or from the small config file the napari
settings panel writes (``~/.config/napari-youcam/config.json``, mode 0600). The
object never prints its secrets: `repr` and `str` show only which kind it is and a
short fingerprint, so it can be logged and put in bug reports safely.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from napari_youcam.errors import InputError
from napari_youcam.limits import JsonObject

DEFAULT_BASE_URL = "https://yce-api-01.makeupar.com"  # the host the v2 contracts name
CONFIG_KEYS = ("api_key", "client_id", "client_secret", "base_url", "results_dir")


def config_path() -> Path:
    """Where the settings panel stores credentials (XDG on Linux, ~/.config elsewhere)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "napari-youcam" / "config.json"


def load_config(path: Path | None = None) -> JsonObject:
    """Read the config file; {} when it does not exist or is unreadable.

    A file readable by others is still used (refusing would lock the user out) but
    its mode is tightened to 0600 because it holds secrets.
    """
    p = path or config_path()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    try:
        if os.name == "posix" and stat.S_IMODE(p.stat().st_mode) & 0o077:
            os.chmod(p, 0o600)
    except OSError:
        pass
    return {k: v for k, v in data.items() if k in CONFIG_KEYS and isinstance(v, str) and v}


def save_config(values: JsonObject, path: Path | None = None) -> Path:
    """Write the config file with mode 0600 (created that way, never world-readable)."""
    p = path or config_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    clean = {k: v for k, v in values.items() if k in CONFIG_KEYS and v}
    tmp = p.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(clean, fh, indent=2)
    os.replace(tmp, p)
    with contextlib.suppress(OSError):
        os.chmod(p, 0o600)
    return p


class NoCredentialsError(InputError):
    """Neither an API key nor a client id + secret is configured."""


def _fingerprint(secret: str | None) -> str:
    if not secret:
        return "-"
    return hashlib.sha256(secret.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Credentials:
    """A v2 API key, or a v1 client id + client secret (RSA public key).

    ``base_url`` is optional; `Client` falls back to ``YOUCAM_BASE_URL`` and then
    the documented host.
    """

    api_key: str | None = field(default=None, repr=False)
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    base_url: str | None = None

    def __post_init__(self) -> None:
        # Pasted values often carry a newline or spaces (config file, settings panel);
        # strip them here so every source of credentials behaves the same.
        for name in ("api_key", "client_id", "client_secret", "base_url"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, value.strip() or None)
        # The key travels as an HTTP header: anything but visible ASCII would fail
        # deep inside httpx (a traceback, or a misleading "connection failed").
        # Never echo the value: say which setting to fix.
        for name, env in (("api_key", "YOUCAM_API_KEY"), ("client_id", "YOUCAM_CLIENT_ID")):
            value = getattr(self, name)
            if value and not (value.isascii() and value.isprintable() and " " not in value):
                raise InputError(
                    f"{env} (or the saved setting) contains characters a credential cannot have (spaces, "
                    "non-ASCII or control characters): copy it again from the API console"
                )
        if not self.api_key and not (self.client_id and self.client_secret):
            raise NoCredentialsError(
                "credentials need an API key (YOUCAM_API_KEY) or a client id and secret "
                "(YOUCAM_CLIENT_ID + YOUCAM_CLIENT_SECRET)"
            )

    @property
    def api(self) -> Literal["v2", "v1"]:
        """The API generation these credentials authenticate (an API key wins)."""
        return "v2" if self.api_key else "v1"

    @property
    def has_v1(self) -> bool:
        """True when a v1 token can be obtained (the unit endpoints may need one)."""
        return bool(self.client_id and self.client_secret)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value, for `redact`."""
        return tuple(s for s in (self.api_key, self.client_secret) if s)

    def __repr__(self) -> str:
        kind = "api_key" if self.api_key else "client_id+secret"
        fp = _fingerprint(self.api_key or self.client_secret)
        shown = displayable_url(self.base_url) if self.base_url else None
        return f"Credentials(api={self.api}, kind={kind}, fingerprint={fp}, base_url={shown!r})"

    __str__ = __repr__

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Credentials:
        """Build from ``YOUCAM_API_KEY`` or ``YOUCAM_CLIENT_ID`` + ``YOUCAM_CLIENT_SECRET``.

        Raises `InputError` when neither is set (callers that want a sandbox instead
        use `try_from_env`).
        """
        e = os.environ if env is None else env
        # `__post_init__` strips the values and turns blank ones into None.
        return cls(
            api_key=e.get("YOUCAM_API_KEY"),
            client_id=e.get("YOUCAM_CLIENT_ID"),
            client_secret=e.get("YOUCAM_CLIENT_SECRET"),
            base_url=e.get("YOUCAM_BASE_URL"),
        )

    @classmethod
    def try_from_env(cls, env: dict[str, str] | None = None) -> Credentials | None:
        """None when no credentials are set; a malformed one still raises `InputError`
        (falling back to the sandbox would hide a typo behind synthetic results)."""
        try:
            return cls.from_env(env)
        except NoCredentialsError:
            return None

    @classmethod
    def from_config(cls, path: Path | None = None) -> Credentials | None:
        """From the settings panel's config file, or None when it holds no credentials."""
        cfg = load_config(path)
        try:
            return cls(
                api_key=cfg.get("api_key"),
                client_id=cfg.get("client_id"),
                client_secret=cfg.get("client_secret"),
                base_url=cfg.get("base_url"),
            )
        except NoCredentialsError:
            return None


def displayable_url(url: str) -> str:
    """``url`` safe to show: no ``user:password@`` part, no query, no fragment."""
    head, sep, rest = url.partition("//")
    shown = head + sep + rest.rsplit("@", 1)[-1]
    return shown.split("?", 1)[0].split("#", 1)[0]
