"""The service base URL (`Client(base_url=...)`, `--base-url`): malformed, unreachable or
carrying a password, each refused in one line that never shows the password."""

from __future__ import annotations

import socket

import pytest

from cli_helpers import one_line_error
from napari_youcam import cli
from napari_youcam.api import Client, Credentials
from napari_youcam.errors import InputError


@pytest.mark.parametrize("url", ["127.0.0.1:9", "not a url", "ftp://example.com", "http://h:99999"])
def test_malformed_base_url_is_bad_input(env, sb, photo, capsys, url):
    n = len(sb.requests)
    assert cli.main(["run", "sod", str(photo), "--base-url", url]) == 2
    assert "--base-url" in one_line_error(capsys.readouterr().err)
    assert cli.main(["credits", "--base-url", url]) == 2
    capsys.readouterr()
    assert sb.requests[n:] == []
    with pytest.raises(InputError):
        Client(Credentials(api_key="k" * 20), base_url=url)


def test_unreachable_base_url_names_the_host(env, photo, capsys):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    assert cli.main(["credits", "--base-url", url]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert url in line and "--base-url" in line


def test_url_with_password_is_refused_without_showing_it():
    with pytest.raises(InputError) as ei:
        Client(Credentials(api_key="k" * 20), base_url="http://user:hunter22@127.0.0.1:9", rate_limit=False)
    assert "hunter22" not in str(ei.value) and "user:" not in str(ei.value)
