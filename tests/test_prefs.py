"""prefs: last parameters, presets and the cost threshold, stored without secrets."""

from __future__ import annotations

import json

import pytest

from napari_youcam._napari.prefs import Prefs, needs_confirmation, prefs_path


def test_last_parameters_survive_a_new_session_and_keep_no_secrets():
    Prefs.load().remember("face-lift", {"features.cheek": 40, "api_key": "sk-123", "obj": object()})
    again = Prefs.load()  # a new session reads the file
    assert again.last_params("face-lift") == {"features.cheek": 40}
    assert "sk-123" not in prefs_path().read_text()
    assert again.last_params("enhance") == {}


def test_named_presets_per_feature():
    p = Prefs.load()
    p.save_preset("hair-color", " warm ", {"pattern.blend_strength": 70})
    p.save_preset("hair-color", "cool", {"pattern.blend_strength": 20})
    assert p.presets("hair-color") == {"warm": {"pattern.blend_strength": 70}, "cool": {"pattern.blend_strength": 20}}
    p.delete_preset("hair-color", "warm")
    assert list(p.presets("hair-color")) == ["cool"]
    with pytest.raises(ValueError, match="type a name"):
        p.save_preset("hair-color", "  ", {})


def test_a_broken_file_gives_empty_preferences():
    path = prefs_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[1, 2")
    assert Prefs.load().last_params("x") == {} and Prefs.load().confirm_above is None
    path.write_text(json.dumps({"last": {"x": "not a dict"}, "confirm_above_units": "ten"}))
    assert Prefs.load().last_params("x") == {} and Prefs.load().confirm_above is None


def test_confirmation_threshold():
    p = Prefs.load()
    assert p.confirm_above is None
    p.confirm_above = 10
    assert Prefs.load().confirm_above == 10.0
    assert needs_confirmation(12, 10) and not needs_confirmation(10, 10)
    assert not needs_confirmation(12, None) and not needs_confirmation(None, 0)
    with pytest.raises(ValueError, match="0 or more"):
        p.confirm_above = -1
