"""The YouCam service client: auth, files, tasks, polling, retries, typed errors.

No numpy and no Qt here: this layer runs in scripts, the CLI and CI, and it knows
nothing of the bundled sandbox. Start with `napari_youcam.connect.default_client()`
(real credentials or a local sandbox), or build a `Client(Credentials(api_key=...))`
yourself; code above this layer annotates clients as `ServiceClient`.
"""

from napari_youcam.api.auth import make_id_token
from napari_youcam.api.client import CancelToken, Client, DeadlineExceededError, FeatureRef, ProgressFn
from napari_youcam.api.credentials import Credentials, load_config, save_config
from napari_youcam.api.errors import (
    ENGINE_ERRORS,
    AuthenticationError,
    ConnectionFailedError,
    InputError,
    InsufficientUnitsError,
    InvalidParametersError,
    MalformedReplyError,
    RateLimitError,
    ResultUrlExpiredError,
    ServerError,
    TaskExpiredError,
    TaskFailedError,
    YouCamError,
    friendly_engine_error,
)
from napari_youcam.api.protocol import ServiceClient
from napari_youcam.api.ratelimit import RateLimiter, parse_rate_limit
from napari_youcam.api.results import TaskResult, TaskStatus, Template
from napari_youcam.api.retry import RetryPolicy

__all__ = [
    "Client",
    "ServiceClient",
    "CancelToken",
    "FeatureRef",
    "ProgressFn",
    "TaskStatus",
    "Credentials",
    "RetryPolicy",
    "RateLimiter",
    "parse_rate_limit",
    "TaskResult",
    "Template",
    "make_id_token",
    "load_config",
    "save_config",
    "YouCamError",
    "InputError",
    "AuthenticationError",
    "RateLimitError",
    "InsufficientUnitsError",
    "InvalidParametersError",
    "ServerError",
    "ConnectionFailedError",
    "DeadlineExceededError",
    "TaskFailedError",
    "TaskExpiredError",
    "MalformedReplyError",
    "ResultUrlExpiredError",
    "ENGINE_ERRORS",
    "friendly_engine_error",
]
