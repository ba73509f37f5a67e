"""A local stand-in for the YouCam API: a real HTTP server on loopback.

For tests, demos and first-time users: it follows the documented contract of both
API generations (v2 API key, v1 RSA id_token; two-step uploads; asynchronous tasks
with a polling window; templates; units) and returns plainly synthetic results
(stamped "SANDBOX") derived from the inputs, so flows can be exercised without
spending units. See `Sandbox` for the knobs and the test controls (`inject`,
`fail_next_task`, `requests`, `ledger`).
"""

from __future__ import annotations

from .clock import Clock, FakeClock, SystemClock
from .faults import FAULT_KINDS, Fault
from .results import CANVAS_COLOR, STAMP_TEXT, color_of, stamp_box
from .server import Sandbox

__all__ = [
    "Sandbox",
    "Clock",
    "FakeClock",
    "SystemClock",
    "Fault",
    "FAULT_KINDS",
    "STAMP_TEXT",
    "CANVAS_COLOR",
    "color_of",
    "stamp_box",
]
