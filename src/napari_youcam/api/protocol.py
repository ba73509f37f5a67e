"""`ServiceClient`: what the layers above (workflow, CLI, napari panels) call on a client.

`Client` is the one implementation (a sandbox-backed client is a `Client` too);
code above `api` annotates with this protocol so a stand-in needs no subclassing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from napari_youcam.api.client import CancelToken, FeatureRef, ProgressFn
from napari_youcam.api.results import TaskResult, Template
from napari_youcam.features.spec import FeatureSpec
from napari_youcam.limits import JsonObject


@runtime_checkable
class ServiceClient(Protocol):
    """A YouCam service client: files, tasks, templates and units."""

    @property
    def api(self) -> str:
        """The API generation its credentials speak: ``"v2"`` or ``"v1"``."""
        ...

    @property
    def base_url(self) -> str:
        """The service URL (no trailing slash)."""
        ...

    @property
    def is_sandbox(self) -> bool:
        """True when the service is the bundled local sandbox (results are synthetic)."""
        ...

    def upload(
        self,
        data_or_path: bytes | str | Path,
        *,
        content_type: str | None = None,
        file_name: str | None = None,
        feature: FeatureRef | None = None,
        variant: str | None = None,
    ) -> str: ...

    def download(self, url: str, dest: Path | str) -> Path: ...

    def create_task(self, endpoint: FeatureRef, body: JsonObject, *, path: str | None = None) -> str: ...

    def poll(
        self, endpoint: FeatureRef, task_id: str, *, path: str | None = None, deadline: float | None = None
    ) -> JsonObject: ...

    def wait(
        self,
        endpoint: FeatureRef,
        task_id: str,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
        deadline: float = 600,
        path: str | None = None,
        kind: str | None = None,
    ) -> TaskResult: ...

    def preprocess(
        self, feature: FeatureRef, endpoint: FeatureRef | None, file_id: str, *, deadline: float = 120
    ) -> JsonObject: ...

    def delete_task(self, task_id: str) -> None: ...

    def templates(
        self, feature_key: str | FeatureSpec, *, api: str | None = None, variant: str | None = None, max_pages: int = 20
    ) -> list[Template]: ...

    def credit_entries(self) -> list[JsonObject]: ...

    def credits(self) -> float: ...

    def credit_history(self, *, page_size: int = 20, starting_token: str | None = None) -> JsonObject: ...

    def feature_costs(self, *, max_pages: int = 10) -> list[JsonObject]: ...

    def next_request_id(self) -> int: ...

    def close(self) -> None: ...
