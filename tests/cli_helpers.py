"""Assertions shared by the CLI tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def one_line_error(err: str) -> str:
    """The CLI's stderr holds exactly one error line (besides SANDBOX notices), no traceback."""
    lines = [ln for ln in err.strip().splitlines() if ln.strip() and not ln.startswith("SANDBOX")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("error: ")
    return lines[0]


@dataclass(frozen=True)
class ServiceMark:
    """Where a sandbox's books stood before a command: requests, charges, tasks."""

    requests: int
    ledger: int
    tasks: int


def mark(sb: Any) -> ServiceMark:
    """Note the sandbox's books now; pass the mark to `assert_refused` after the command."""
    return ServiceMark(len(sb.requests), len(sb.ledger), len(sb.tasks))


def files_under(folder: Path | None) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder is not None and folder.exists() else []


def assert_no_secret(secrets: Iterable[str], *texts: str, folder: Path | None = None) -> None:
    """No secret in any of ``texts`` nor in any file under ``folder`` (bytes compared)."""
    blobs = [(f"text {i}", t.encode("utf-8", "surrogateescape")) for i, t in enumerate(texts)]
    blobs += [(str(p), p.read_bytes()) for p in files_under(folder)]
    for secret in secrets:
        if not secret:
            continue
        for where, blob in blobs:
            assert secret.encode() not in blob, f"a secret leaked into {where}"


def assert_refused(
    rc: int,
    out: str,
    err: str,
    *,
    exit_code: int,
    sb: Any = None,
    since: ServiceMark | None = None,
    secrets: Iterable[str] = (),
    folder: Path | None = None,
    sent: bool = False,
    created: bool = False,
) -> str:
    """A command that must fail cleanly: check it and return its one error line.

    Always: the exit code, exactly one ``error:`` line on stderr, no traceback on
    either stream, no secret on either stream nor in any file under ``folder``.
    With ``sb``/``since`` (a `mark` taken before the command), read from the
    sandbox: nothing charged; no task created unless ``created``; no request at
    all unless ``sent`` (input refused before anything went out).
    """
    assert rc == exit_code, (rc, err)
    line = one_line_error(err)
    assert "Traceback" not in out
    assert_no_secret(secrets, out, err, folder=folder)
    if sb is not None and since is not None:
        assert sb.ledger[since.ledger :] == [], "units were charged"
        if not created:
            assert len(sb.tasks) == since.tasks, "a task was created"
        if not sent:
            assert sb.requests[since.requests :] == [], "requests reached the service"
    return line


def task_creates(sb: Any, since: int) -> list[dict[str, Any]]:
    """The task-creating requests (POST .../task/...) the sandbox received after request number ``since``."""
    return [r for r in sb.requests[since:] if r["method"] == "POST" and "/task/" in r["path"]]
