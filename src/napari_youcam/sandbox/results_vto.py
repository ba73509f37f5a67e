"""Synthetic results of the virtual try-on (accessories, nails) and body features.

Each generator registers itself with `results.register`; importing this module is enough.
"""

from __future__ import annotations
