"""The client a new user gets without configuring anything.

With credentials (environment first, then the settings panel's config file) this
is a real `Client`. Without, it starts the bundled local `Sandbox` once per
process (daemon thread, loopback only) and returns a client for it marked
``is_sandbox = True``, so the CLI and the plugin can say plainly that the results
are synthetic while every step of the real flow still runs.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from pathlib import Path
from typing import Any

from napari_youcam.api.client import Client
from napari_youcam.api.credentials import Credentials, config_path, load_config
from napari_youcam.api.retry import RetryPolicy

log = logging.getLogger("napari_youcam.api")

SANDBOX_NOTICE = "SANDBOX: no credentials configured, results are synthetic"

_lock = threading.Lock()
_sandbox: Any = None


def shared_sandbox() -> Any:
    """The process-wide local sandbox, started on first use and stopped at exit."""
    global _sandbox
    with _lock:
        if _sandbox is None:
            from napari_youcam.sandbox import Sandbox

            sb = Sandbox(port=0)
            sb.start()
            atexit.register(_stop_sandbox)
            _sandbox = sb
            log.info("started the local sandbox at %s", sb.base_url)
        return _sandbox


def _stop_sandbox() -> None:
    global _sandbox
    with _lock:
        sb, _sandbox = _sandbox, None
    if sb is not None:
        try:
            sb.stop()
        except Exception:  # best effort at interpreter exit
            pass


def sandbox_client(sandbox: Any = None, *, api: str = "v2", **kwargs: Any) -> Client:
    """A client for a (given or the shared) sandbox, with ``is_sandbox = True``."""
    sb = sandbox if sandbox is not None else shared_sandbox()
    if api == "v1":
        creds = Credentials(client_id=sb.client_id, client_secret=sb.client_secret, base_url=sb.base_url)
    else:
        creds = Credentials(api_key=sb.api_key, base_url=sb.base_url)
    kwargs.setdefault("rate_limit", False)  # local server: no budget to protect
    kwargs.setdefault("poll_interval", sb.polling_interval_ms / 1000)  # what its polls will say
    kwargs.setdefault("retry", RetryPolicy(attempts=4, base=0.05, ceiling=1.0))
    client = Client(creds, base_url=sb.base_url, **kwargs)
    client.is_sandbox = True
    client.sandbox = sb  # type: ignore[attr-defined]
    return client


def find_credentials(*, config: Path | None = None) -> Credentials | None:
    """Environment first, then the config file; None when neither has credentials."""
    creds = Credentials.try_from_env()
    if creds is not None:
        return creds
    return Credentials.from_config(config)


def default_client(*, api: str | None = None, base_url: str | None = None,
                   config: Path | None = None, **kwargs: Any) -> Client:
    """A real client when credentials exist, else a client for the local sandbox.

    ``api`` forces a generation: with both an API key and v1 credentials configured,
    ``api="v1"`` uses the client id/secret. ``base_url`` overrides the configured host.
    """
    creds = find_credentials(config=config)
    if creds is None:
        return sandbox_client(api=api or "v2", **kwargs)
    if api == "v1" and creds.api == "v2":
        if not creds.has_v1:
            from napari_youcam.errors import InputError

            raise InputError("--api v1 needs YOUCAM_CLIENT_ID and YOUCAM_CLIENT_SECRET")
        creds = Credentials(client_id=creds.client_id, client_secret=creds.client_secret,
                            base_url=creds.base_url)
    elif api == "v2" and creds.api == "v1":
        from napari_youcam.errors import InputError

        raise InputError("--api v2 needs YOUCAM_API_KEY")
    base = (base_url or creds.base_url or os.environ.get("YOUCAM_BASE_URL")
            or load_config(config).get("base_url"))
    return Client(creds, base_url=base, **kwargs)


__all__ = ["default_client", "sandbox_client", "shared_sandbox", "find_credentials",
           "SANDBOX_NOTICE", "config_path"]
