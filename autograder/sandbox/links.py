"""The grader's end of a child's channel: a socket (forked children) or two pipes (spawned).

Both carry the same frames (a 4-byte length, then JSON) and offer the same two calls:
``sendall(data)`` and ``recv_within(n, timeout)``, which returns at most ``n`` bytes,
``b""`` once the child has gone, and None when nothing came in time.
"""

from __future__ import annotations

import json
import os
import queue
import select
import socket
import struct
import subprocess
import threading

HEADER = struct.Struct("!I")


def frame(obj: object) -> bytes:
    data = json.dumps(obj).encode()
    return HEADER.pack(len(data)) + data


class SocketLink:
    """A forked child's socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def sendall(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv_within(self, n: int, timeout: float) -> bytes | None:
        if timeout <= 0 or not select.select([self.sock], [], [], timeout)[0]:
            return None
        try:
            return self.sock.recv(n)
        except OSError:
            return b""

    def close(self) -> None:
        self.sock.close()


class PipeLink:
    """A spawned child's stdin and stdout. A thread reads stdout into a bounded queue, so
    waiting with a timeout works on every system (Windows cannot select() on pipes), and a
    child that floods its stdout waits for the grader instead of filling its memory."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self._chunks: queue.Queue[bytes] = queue.Queue(maxsize=64)
        self._pending = b""
        self._gone = False
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        fd = self.process.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            self._chunks.put(chunk)
            if not chunk:
                return

    def sendall(self, data: bytes) -> None:
        try:
            self.process.stdin.write(data)
            self.process.stdin.flush()
        except ValueError:  # closed
            raise BrokenPipeError from None

    def recv_within(self, n: int, timeout: float) -> bytes | None:
        if not self._pending and not self._gone:
            try:
                self._pending = self._chunks.get(timeout=max(timeout, 0))
            except queue.Empty:
                return None
            self._gone = not self._pending
        data, self._pending = self._pending[:n], self._pending[n:]
        return data

    def close(self) -> None:
        """Once the child is dead: let the reader see the end (it may wait on a full queue)."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        for _ in range(500):
            if not self._reader.is_alive():
                break
            try:
                self._chunks.get(timeout=0.01)
            except queue.Empty:
                pass
        self.process.stdout.close()
