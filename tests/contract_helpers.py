"""Shared pieces of the tests of the features added from the vendor contracts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from napari_youcam.api import RetryPolicy
from napari_youcam.api.client import Client
from napari_youcam.connect import sandbox_client
from napari_youcam.sandbox import Sandbox


def photo_array(w: int = 480, h: int = 400, seed: int = 0) -> np.ndarray:
    """An RGB gradient with structure in every channel (``seed`` shifts the blue one)."""
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([xx * 255 // w, yy * 255 // h, (xx + yy + 37 * seed) % 256], -1).astype(np.uint8)


@contextmanager
def sandbox_v2() -> Iterator[tuple[Sandbox, Client]]:
    """A fast sandbox and a v2 client for it (quick retries)."""
    with Sandbox(processing_seconds=0.02, units=1e5) as sb:
        client = sandbox_client(sb, api="v2", retry=RetryPolicy(attempts=3, base=0.01, ceiling=0.05))
        try:
            yield sb, client
        finally:
            client.close()
