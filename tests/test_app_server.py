"""The server as shipped (issue 14, "Server configuration shipped"): `streamlit run serve.py` from the repo
root with AUTH_MODE none and no address flag - what `.streamlit/config.toml` and serve.py make of it, seen
from outside over HTTP and Streamlit's websocket, as a browser on this computer would."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NewSession_pb2 import Config

ROOT = Path(__file__).resolve().parent.parent
SECRET = "cell 123-45-6789 of the upload"  # text an exception could carry out of a patient's row


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _server(script: str | Path, tmp_path: Path):
    """`streamlit run SCRIPT` from the repo root (so the shipped .streamlit/config.toml applies), on a free
    port, without --server.address: where it listens is the shipped configuration's choice."""
    port = _free_port()
    env = {**os.environ, "AUTH_MODE": "none", "CLEARTOBILL_DB": str(tmp_path / "server.duckdb")}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not start: {server.stderr.read()[-2000:] if server.stderr else ''}"
                )
            time.sleep(0.2)
        yield url, port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    with _server("serve.py", tmp_path_factory.mktemp("server")) as served:
        yield served


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.status, reply.headers, reply.read()


def _session(port: int) -> list[ForwardMsg]:
    """One script run over Streamlit's websocket, as the browser starts it: every message until it ends."""

    async def run() -> list[ForwardMsg]:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"]
        ) as ws:
            start = BackMsg()
            start.rerun_script.query_string = ""
            await ws.send(start.SerializeToString())
            out = []
            while True:
                message = ForwardMsg()
                message.ParseFromString(await asyncio.wait_for(ws.recv(), 90))
                out.append(message)
                if message.WhichOneof("type") == "script_finished":
                    return out

    return asyncio.run(run())


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/_stcore/host-config"])
def test_every_response_carries_the_security_headers(shipped, path):
    url, _port = shipped
    status, headers, _body = _get(url + path)
    assert status == 200
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    policy = {d.split()[0]: d.split()[1:] for d in headers["Content-Security-Policy"].split("; ")}
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]
    scripts = policy["script-src"]  # the page's own scripts and the hash of Streamlit's one inline line
    assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts


def test_the_page_and_its_scripts_are_served_under_the_policy(shipped):
    url, _port = shipped
    _status, _headers, body = _get(url + "/")
    script = body.decode().split('<script type="module" crossorigin src="')[1].split('"')[0]
    _status, headers, _body = _get(url + "/" + script.lstrip("./"))
    assert headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in headers


def test_xsrf_protection_is_on(shipped):
    url, _port = shipped
    _status, headers, _body = _get(url + "/_stcore/health")
    assert "_streamlit_xsrf=" in headers["Set-Cookie"]  # the token a page must send back
    upload = urllib.request.Request(f"{url}/_stcore/upload_file/session/file", data=b"x", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(upload, timeout=10)
    assert refused.value.code == 403  # an upload without the token is refused


def _listening(port: int) -> list[str]:
    """The addresses this machine listens on for `port` (Linux /proc/net/tcp, tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


def test_without_sign_in_it_listens_on_this_computer_only(shipped):
    _url, port = shipped
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp on this system")
    assert _listening(port) == ["0100007F"]  # 127.0.0.1 only: not 0.0.0.0, not any IPv6 address


def test_the_toolbar_is_the_viewers(shipped):
    _url, port = shipped
    session = next(m.new_session for m in _session(port) if m.WhichOneof("type") == "new_session")
    assert session.config.toolbar_mode == Config.ToolbarMode.VIEWER  # no Deploy, Rerun, Clear cache


def test_an_uncaught_error_shows_no_details_in_the_browser(tmp_path):
    """With the shipped config.toml, a page that fails sends one generic sentence: not the exception's text
    (it could quote a cell of an upload), not the traceback."""
    failing = tmp_path / "fails.py"
    failing.write_text(f"raise ValueError({SECRET!r})\n")
    with _server(failing, tmp_path) as (_url, port):
        messages = _session(port)
    shown = [m.delta.new_element.exception for m in messages
             if m.WhichOneof("type") == "delta" and m.delta.new_element.WhichOneof("type") == "exception"]  # fmt: skip
    assert len(shown) == 1
    assert "redacted" in shown[0].message
    assert SECRET not in str(shown[0]) and "123-45-6789" not in str(shown[0])
    assert not shown[0].stack_trace and shown[0].type in ("", "Error")
