"""`palermo serve` as a user starts it: a subprocess on a free loopback port over a data directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx


def start(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    """Start `palermo serve` over ``data_dir``; the process and its base URL once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PALERMO_DATA_DIR": str(data_dir), "PALERMO_PORT": str(port), "COLUMNS": "300"}
    proc = subprocess.Popen([sys.executable, "-c", "from palermo.cli import main; main()", "serve"], env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/api/law/jurisdictions", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("palermo serve did not start: " + (proc.stderr.read() if proc.stderr else ""))


def stop(proc: subprocess.Popen[str]) -> str:
    """Stop the server; what it wrote to stderr."""
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    return err


@contextmanager
def in_thread(app: Any) -> Iterator[str]:
    """Serve an ASGI app on a free loopback port from a thread of this process; its base URL while it runs."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
