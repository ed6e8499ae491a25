"""Serve an ASGI application in several processes. Each process listens on the same address with SO_REUSEPORT, so
the kernel spreads new connections over them: with uvicorn's own `--workers` the processes share one socket, and
whichever accepts fastest keeps every keep-alive connection it took (measured: two workers serving like one)."""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
from types import FrameType


def serve(app: str, *, host: str, port: int, workers: int = 1, factory: bool = False,
          log_level: str = "warning", access_log: bool = False) -> None:
    """Run ``app`` (an import string such as `palermo.web:create_app`) on host:port in ``workers`` processes."""
    import uvicorn

    if workers <= 1:
        uvicorn.run(app, factory=factory, host=host, port=port, log_level=log_level, access_log=access_log)
        return
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(app, host, port, factory, log_level, access_log),
                                 daemon=False) for _ in range(workers)]
    for process in processes:
        process.start()

    def stop(signum: int, _frame: FrameType | None) -> None:
        for process in processes:
            if process.is_alive():
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        for process in processes:
            process.join()
    except KeyboardInterrupt:  # the children got the same Ctrl-C and shut down gracefully
        for process in processes:
            process.join(10)
    if any(p.exitcode not in (0, -signal.SIGTERM, None) for p in processes):
        sys.exit(1)


def _worker(app: str, host: str, port: int, factory: bool, log_level: str, access_log: bool) -> None:
    import uvicorn

    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, factory=factory, log_level=log_level, access_log=access_log)
    uvicorn.Server(config).run(sockets=[sock])
