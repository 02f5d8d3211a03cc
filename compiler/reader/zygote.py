"""A small fork server for the isolated reads of many files (``zwgk compile``).

Forking the isolated calamine child from the reading process costs that process's size: its page tables
are copied, and every page either side then writes while the other lives is copied again.  A compile's
process holds the district read so far, so a fork grows to tens of milliseconds a file (measured: 3 ms
from a 40 MB process, 45 ms from a 700 MB one).  Inside ``reading_many()`` each reading process starts,
once, a fresh interpreter that imports only the reader (the zygote) and asks it to fork the child instead:
the child shares nothing with the caller, and the caller pays a message instead of a fork.

multiprocessing's own fork server would do the forking, but it runs the caller's ``__main__`` again in
every child; this one runs nothing but the read.  The child is the same as a direct fork's
(``sources._child_main``): same memory cap, same framed answer on a pipe the caller made, same stderr
capture; the caller reads the answer, enforces the time budget and may kill the child itself.

Protocol (a SOCK_SEQPACKET socket pair, so every message arrives whole):
  caller → zygote: pickle((path, kind, limits)) with two descriptors: the answer pipe's write end, stderr;
  zygote → caller: b"P" + pid when it has forked; b"S" + pid + wait status when a child has ended.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from zwgk.compiler.reader.limits import Limits

_ENV_FD = "ZWGK_ZYGOTE_FD"
_active = False
_client: _Client | None = None
_client_lock = threading.Lock()


@contextlib.contextmanager
def reading_many() -> Iterator[None]:
    """Isolated reads in this block (and in processes forked inside it) go through a zygote per process."""
    global _active
    previous = _active
    _active = True
    try:
        yield
    finally:
        _active = previous
        if not previous:
            _stop()


def start_read(spec: tuple[str, str], limits: Limits) -> tuple[int, IO[bytes], Callable[[], None], Callable[[], int]] | None:
    """Start the isolated read of ``spec`` (path, kind) in a zygote child.

    Returns (answer read end, stderr file, kill, reap → wait status), or None outside ``reading_many()`` or
    when no zygote can serve (the caller then forks the child itself)."""
    if not _active or not hasattr(socket, "send_fds"):
        return None
    client = _get_client()
    if client is None:
        return None
    return client.start(spec, limits)


def _get_client() -> _Client | None:
    global _client
    with _client_lock:
        if _client is not None and (_client.owner != os.getpid() or _client.broken):
            if _client.owner == os.getpid():
                _client.close()
            _client = None  # a forked worker starts its own zygote; a broken one is replaced
        if _client is None:
            try:
                _client = _Client()
            except OSError:
                return None
        return _client


def _stop() -> None:
    global _client
    with _client_lock:
        if _client is not None and _client.owner == os.getpid():
            _client.close()
        _client = None


class _Client:
    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from zwgk.compiler.reader.zygote import serve; serve()"],
                pass_fds=(theirs.fileno(),), env={**os.environ, _ENV_FD: str(theirs.fileno())},
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self.sock = ours
        self.owner = os.getpid()
        self.broken = False
        self.lock = threading.Lock()
        self.statuses: dict[int, int] = {}

    def start(self, spec: tuple[str, str], limits: Limits) -> tuple[int, IO[bytes], Callable[[], None], Callable[[], int]] | None:
        rfd, wfd = os.pipe()
        err = tempfile.TemporaryFile()
        try:
            with self.lock:
                socket.send_fds(self.sock, [pickle.dumps((spec[0], spec[1], limits))], [wfd, err.fileno()])
                pid = self._next(b"P")
        except (OSError, EOFError, struct.error):
            self.broken = True
            os.close(rfd)
            err.close()
            return None
        finally:
            os.close(wfd)

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # not reaped yet (the zygote reaps only what has ended): still ours

        def reap() -> int:
            with self.lock:
                while pid not in self.statuses:
                    try:
                        self._next(b"S")
                    except (OSError, EOFError, struct.error):
                        self.broken = True
                        return signal.SIGKILL  # the zygote is gone and took the status with it: say killed
                return self.statuses.pop(pid)

        return rfd, err, kill, reap

    def _next(self, kind: bytes) -> int:
        """Read messages until one of ``kind``; statuses met on the way are kept.  Returns its pid."""
        while True:
            msg = self.sock.recv(64)
            if not msg:
                raise EOFError("zygote gone")
            if msg[:1] == b"S":
                pid, status = struct.unpack("<ii", msg[1:9])
                self.statuses[pid] = status
                if kind == b"S":
                    return pid
            elif msg[:1] == b"P":
                (pid,) = struct.unpack("<i", msg[1:5])
                if kind == b"P":
                    return pid

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()  # the zygote sees end of file and exits
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)


def serve() -> None:
    """The zygote's loop (run in a fresh interpreter by _Client)."""
    from zwgk.compiler.reader.sources import _child_main, _load_calamine

    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: go with the process we serve
    except (OSError, AttributeError):
        pass
    sock = socket.socket(fileno=int(os.environ.pop(_ENV_FD)))
    children: set[int] = set()
    while True:
        ready, _, _ = select.select([sock], [], [], 0.005 if children else None)
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if not pid:
                break
            children.discard(pid)
            sock.send(b"S" + struct.pack("<ii", pid, status))
        if not ready:
            continue
        msg, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 2)
        if not msg:
            break
        path, kind, limits = pickle.loads(msg)
        pid = os.fork()
        if pid == 0:
            sock.close()
            _child_main(functools.partial(_load_calamine, Path(path), kind, limits), fds[0], fds[1], limits)
        for fd in fds:
            os.close(fd)
        children.add(pid)
        sock.send(b"P" + struct.pack("<i", pid))
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


__all__ = ["reading_many", "start_read"]
