"""Credentials (`api.credentials`, `connect.default_client`): pasted keys are cleaned,
malformed keys are one-line input errors that never echo the key, no key means the sandbox."""

from __future__ import annotations

import json

import pytest

from cli_helpers import one_line_error
from napari_youcam import cli
from napari_youcam.api.credentials import save_config
from napari_youcam.connect import default_client


def test_pasted_key_with_newline_is_stripped(tmp_path, sb, monkeypatch):

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    save_config({"api_key": sb.api_key + "\n", "base_url": sb.base_url})
    client = default_client()
    assert not client.is_sandbox and client.credentials.api_key == sb.api_key
    assert client.credits() > 0


@pytest.mark.parametrize("bad", ["sk-SECRET\u00e9KEY", "sk-SECRET\x01KEY", "sk SECRET KEY"])
def test_malformed_key_is_input_error_not_sandbox_or_traceback(env, capsys, bad):
    env.setenv("YOUCAM_API_KEY", bad)
    assert cli.main(["credits"]) == 2
    err = capsys.readouterr().err
    line = one_line_error(err)
    assert "YOUCAM_API_KEY" in line and "SANDBOX" not in err
    assert bad not in err and "SECRET" not in err


def test_no_credentials_still_means_sandbox(monkeypatch, capsys):
    # conftest's autouse fixture already removed every YOUCAM_* credential
    assert cli.main(["credits", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sandbox"] is True
