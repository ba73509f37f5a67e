"""The sandbox HTTP server under hostile clients: bad ports, dropped connections and bad
headers get a clean answer (or none) and no traceback."""

from __future__ import annotations

import logging
import socket
import struct
import time
from urllib.parse import urlsplit

import httpx
import pytest

from cli_helpers import one_line_error
from napari_youcam import cli
from napari_youcam.sandbox import Sandbox


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_sandbox_bad_port_is_one_line(capsys, port):
    assert cli.main(["sandbox", "--port", port]) == 2
    assert "0..65535" in one_line_error(capsys.readouterr().err)


def _raw(sb: Sandbox, payload: bytes, *, reset: bool = True) -> bytes:
    u = urlsplit(sb.base_url)
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(payload)
    data = b""
    if not reset:
        s.settimeout(2)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
    else:
        time.sleep(0.1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return data


def test_sandbox_client_disconnects_are_quiet(capfd, caplog):
    with Sandbox() as s:
        caplog.set_level(logging.DEBUG, logger="napari_youcam.sandbox")
        _raw(s, b"PUT /_upload/x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000)
        _raw(s, b"GET /_download/x HTTP/1.1\r\nHost: a\r\n")
        time.sleep(0.3)
        # the server still works after the drops
        r = httpx.get(s.base_url + "/s2s/v1.0/client/credit")
        assert r.status_code == 401
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_sandbox_bad_content_length_gets_400(capfd):
    with Sandbox() as s:
        reply = _raw(
            s,
            b"POST /s2s/v2.0/task/sod HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer "
            + s.api_key.encode()
            + b"\r\nContent-Length: abc\r\n\r\n",
            reset=False,
        )
    assert reply.startswith(b"HTTP/1.1 400")
    assert b"Content-Length" in reply
    assert "Traceback" not in capfd.readouterr().err
