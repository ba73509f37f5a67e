"""The error types every layer raises.

Kept in a leaf module so that `imaging` and `features` (which must not depend on
the network layer) raise the same types as `api`. Messages are written for the
user: they say what to change. They never contain secrets; `redact` is applied to
anything that might echo a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from napari_youcam.limits import Violation

# Anything that looks like a bearer token, an API key query/header value, or a
# client secret is replaced before text reaches a message or a log.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(authorization\s*[:=]\s*)(bearer\s+)?[^\s,'\"}]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)((?:api[_-]?key|client[_-]?secret|access[_-]?token|id[_-]?token)[\"']?\s*[:=]\s*[\"']?)[^\s,'\"}&]+"
    ),
]


def redact(text: str, *secrets: str | None) -> str:
    """Return `text` with known secret values and secret-looking fields masked."""
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, "***")
    for pat in _SECRET_PATTERNS:
        text = pat.sub(lambda m: m.group(1) + "***", text)
    return text


@dataclass(frozen=True)
class JobPlace:
    """Where a job stopped by an error is kept, and how to pick it up.

    ``job_dir`` is the job folder; ``task_id`` the service task (None when none
    was created); ``resume_hint`` the command that continues the job (None when
    it cannot continue: the task failed or is gone).
    """

    job_dir: Path
    task_id: str | None = None
    resume_hint: str | None = None


class YouCamError(Exception):
    """Base of every error this package raises on purpose.

    ``code`` is the service's error code when there is one (``InvalidParameters``,
    ``error_no_face``...). ``exit_code`` is what the CLI exits with: 2 for input the
    user must change, 1 for service or task failures. ``job`` is set when the
    error stopped a job whose folder already exists (see `at_job`).
    """

    exit_code = 1
    job: JobPlace | None = None

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def __str__(self) -> str:
        return self.message

    def at_job(self, message: str, place: JobPlace) -> Self:
        """This same error (same class, code and fields), reworded for the job it stopped."""
        self.message = message
        self.args = (message,)
        self.job = place
        return self


class InputError(YouCamError, ValueError):
    """Local input is wrong (bad size, bad parameter, empty mask...). Nothing was sent."""

    exit_code = 2

    def __init__(self, message: str, *, violations: Iterable[Violation] | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.violations = list(violations or [])
