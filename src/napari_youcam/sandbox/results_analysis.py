"""Synthetic results of the analyzer, face and video features added from the vendor contracts.

Each generator registers itself with `results.register`; importing this module is enough.
"""

from __future__ import annotations
