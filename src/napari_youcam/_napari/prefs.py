"""The plugin's own preferences, without Qt: last parameters, named presets, cost threshold.

Stored as JSON in the plugin's config directory (beside the credentials file, as
`widget-prefs.json`), written atomically. Only feature parameters go in — plain
JSON values the user chose in a form — never credentials: keys that look like a
secret are dropped before anything is written. The file is read as untrusted: a
broken or foreign file gives empty preferences, never an exception.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from napari_youcam.api.credentials import config_path
from napari_youcam.limits import JsonObject

PREFS_NAME = "widget-prefs.json"
_SECRET_HINTS = ("key", "secret", "token", "password", "authorization")
_MAX_PRESETS = 50


def prefs_path() -> Path:
    """`widget-prefs.json` in the plugin's config directory."""
    return config_path().parent / PREFS_NAME


def _as_dict(value: object) -> JsonObject:
    """`value` when it is a JSON object (the same object, so edits reach the file's data), else {}."""
    return value if isinstance(value, dict) else {}


def _clean(params: JsonObject) -> JsonObject:
    """Parameters fit to store: JSON values only, nothing named like a secret."""
    out: JsonObject = {}
    for name, value in params.items():
        if not isinstance(name, str) or any(h in name.lower() for h in _SECRET_HINTS):
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        out[name] = value
    return out


def needs_confirmation(cost: float | None, threshold: float | None) -> bool:
    """Ask before a run whose documented cost is above the user's threshold (None: never ask)."""
    return threshold is not None and cost is not None and cost > threshold


@dataclass
class Prefs:
    """Read on creation, written on every change."""

    path: Path

    @classmethod
    def load(cls) -> Prefs:
        return cls(prefs_path())

    def _read(self) -> JsonObject:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return _as_dict(data)

    def _write(self, data: JsonObject) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".prefs-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def _section(self, name: str) -> JsonObject:
        return _as_dict(self._read().get(name))

    # ---------------------------------------------------------------- last parameters
    def last_params(self, feature: str) -> JsonObject:
        got = self._section("last").get(feature)
        return _clean(got) if isinstance(got, dict) else {}

    def remember(self, feature: str, params: JsonObject) -> None:
        data = self._read()
        last = _as_dict(data.get("last"))
        last[feature] = _clean(params)
        data["last"] = last
        self._write(data)

    # ---------------------------------------------------------------- presets
    def presets(self, feature: str) -> dict[str, JsonObject]:
        got = self._section("presets").get(feature)
        if not isinstance(got, dict):
            return {}
        return {str(k): _clean(v) for k, v in got.items() if isinstance(v, dict)}

    def save_preset(self, feature: str, name: str, params: JsonObject) -> None:
        name = name.strip()
        if not name:
            raise ValueError("preset name: type a name")
        data = self._read()
        allp = _as_dict(data.get("presets"))
        mine = _as_dict(allp.get(feature))
        if name not in mine and len(mine) >= _MAX_PRESETS:
            raise ValueError(f"preset name: {feature} has {_MAX_PRESETS} presets; delete one first")
        mine[name] = _clean(params)
        allp[feature] = mine
        data["presets"] = allp
        self._write(data)

    def delete_preset(self, feature: str, name: str) -> None:
        data = self._read()
        mine = _as_dict(_as_dict(data.get("presets")).get(feature))
        if mine.pop(name, None) is not None:
            self._write(data)

    # ---------------------------------------------------------------- cost threshold
    @property
    def confirm_above(self) -> float | None:
        """Units above which a run asks first (None: never ask)."""
        v = self._read().get("confirm_above_units")
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 else None

    @confirm_above.setter
    def confirm_above(self, units: float | None) -> None:
        data = self._read()
        if units is None:
            data.pop("confirm_above_units", None)
        else:
            if units < 0:
                raise ValueError("confirmation threshold: give 0 or more units")
            data["confirm_above_units"] = float(units)
        self._write(data)
