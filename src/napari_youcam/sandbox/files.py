"""Uploaded files and downloadable results, the sandbox's stand-in for S3.

The service's upload is two steps: register the file (get a file id and a
pre-signed PUT request), then PUT the bytes to storage *without* the API's
Authorization header. A client can get this wrong in ways that only show against
real storage (adds its bearer token, sends a different Content-Length, skips the
PUT). `FileStore` keeps enough state to notice each of those: the registered
content type and size, whether the bytes ever arrived, and when the URL expires.
Results are served the same way through short-lived download tokens.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from dataclasses import dataclass, field

from .clock import Clock, SystemClock

# Content types the File API accepts (v1 enum; v2 says "image and video formats").
IMAGE_TYPES = ("image/jpg", "image/jpeg", "image/png")
VIDEO_TYPES = ("video/mp4", "video/quicktime")


def make_file_id() -> str:
    """A file id shaped like the service's: 64 base64 chars incl. '+', '/' and '='.

    Real ids contain all three, which breaks clients that put them into URLs or
    query strings without encoding; the sandbox keeps that property on purpose.
    """
    while True:
        fid = base64.b64encode(os.urandom(46)).decode("ascii")  # 64 chars, ends with '=='
        if "+" in fid[:-2] and "/" in fid[:-2]:
            return fid


@dataclass
class StoredFile:
    file_id: str
    content_type: str
    file_name: str
    file_size: int | None  # None: v1.0 registration (no size declared)
    feature: str | None
    upload_token: str
    registered_at: float
    url_expires_at: float
    data: bytes | None = None  # None until the PUT arrived
    owner: str = ""
    result_of: str | None = None  # task id when this file is a generated result


@dataclass
class Download:
    data: bytes
    content_type: str
    name: str
    expires_at: float
    task_id: str | None = None


@dataclass
class FileStore:
    url_ttl_seconds: float = 7200.0
    clock: Clock = field(default_factory=SystemClock)
    files: dict[str, StoredFile] = field(default_factory=dict)
    by_upload_token: dict[str, str] = field(default_factory=dict)
    downloads: dict[str, Download] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def register(
        self,
        *,
        content_type: str,
        file_name: str,
        file_size: int | None,
        feature: str | None,
        owner: str,
        now: float | None = None,
    ) -> StoredFile:
        now = self.clock.time() if now is None else now
        f = StoredFile(
            file_id=make_file_id(),
            content_type=content_type,
            file_name=file_name,
            file_size=file_size,
            feature=feature,
            upload_token=secrets.token_urlsafe(24),
            registered_at=now,
            url_expires_at=now + self.url_ttl_seconds,
            owner=owner,
        )
        with self.lock:
            self.files[f.file_id] = f
            self.by_upload_token[f.upload_token] = f.file_id
        return f

    def add_result(self, data: bytes, content_type: str, name: str, *, task_id: str, owner: str) -> StoredFile:
        """Store a generated result as a file so its id can be chained (v1 `dst_id`)."""
        f = self.register(content_type=content_type, file_name=name, file_size=len(data), feature=None, owner=owner)
        f.data = data
        f.result_of = task_id
        return f

    def by_token(self, token: str) -> StoredFile | None:
        with self.lock:
            fid = self.by_upload_token.get(token)
            return self.files.get(fid) if fid else None

    def get(self, file_id: str) -> StoredFile | None:
        with self.lock:
            return self.files.get(file_id)

    def delete(self, file_id: str) -> None:
        with self.lock:
            f = self.files.pop(file_id, None)
            if f:
                self.by_upload_token.pop(f.upload_token, None)

    # -- downloads ----------------------------------------------------------------
    def publish(
        self, data: bytes, content_type: str, name: str, *, task_id: str | None = None, now: float | None = None
    ) -> str:
        """Make `data` downloadable for url_ttl_seconds; returns the URL path (with query)."""
        now = self.clock.time() if now is None else now
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.downloads[token] = Download(data, content_type, name, now + self.url_ttl_seconds, task_id)
        ttl = int(self.url_ttl_seconds)
        return f"/_download/{token}/{name}?X-Amz-Expires={ttl}&X-Amz-Signature={secrets.token_hex(16)}"

    def download(self, token: str) -> Download | None:
        with self.lock:
            return self.downloads.get(token)

    def forget_task(self, task_id: str) -> None:
        """Drop every download and result file of a deleted task."""
        with self.lock:
            for tok in [t for t, d in self.downloads.items() if d.task_id == task_id]:
                del self.downloads[tok]
            for fid in [i for i, f in self.files.items() if f.result_of == task_id]:
                self.delete(fid)
