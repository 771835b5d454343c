"""Frames over pipes between the grader and a child.

A frame: 8 bytes header length, 4 bytes blob count, the JSON header, then per blob 8 bytes
length and the bytes. The child's end (`BlockingChannel`) blocks; the grader's end
(`WatchedChannel`) never waits without watching the clock and the child's memory, and checks
every length against `wire.MAX_FRAME` before reading, so a child cannot make the grader wait
forever or allocate without bound.
"""
from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import time
from typing import Callable

from . import processes
from .errors import OutOfMemory, ProtocolError, Timeout
from .wire import MAX_FRAME, MAX_NODES

STARTUP_SECONDS = 60.0                 # a sandbox must be ready within this (numpy import under load)


def _frame_parts(header: dict, blobs: list) -> list[bytes]:
    hj = json.dumps(header, allow_nan=True, separators=(",", ":")).encode("utf-8")
    parts = [struct.pack(">QI", len(hj), len(blobs)), hj]
    for b in blobs:
        parts.append(struct.pack(">Q", len(b)))
        parts.append(b)
    return parts


class BlockingChannel:
    """The child's end: plain blocking reads and writes on private file descriptors."""

    def __init__(self, fd_in: int, fd_out: int):
        self.fd_in, self.fd_out = fd_in, fd_out

    def send(self, header, blobs=()):
        for part in _frame_parts(header, list(blobs)):
            view = memoryview(part)
            while view:
                n = os.write(self.fd_out, view)
                view = view[n:]

    def _exact(self, n: int) -> bytes:
        chunks, got = [], 0
        while got < n:
            chunk = os.read(self.fd_in, min(n - got, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def recv(self):
        hlen, nblobs = struct.unpack(">QI", self._exact(12))
        header = json.loads(self._exact(hlen))
        blobs = [self._exact(struct.unpack(">Q", self._exact(8))[0]) for _ in range(nblobs)]
        return header, blobs


class WatchedChannel:
    """The grader's end: non-blocking, with a deadline and a memory watch on the child.

    Whenever it waits it raises `Timeout` past `deadline` and `OutOfMemory` when `measure()`
    (default: the child's resident memory) exceeds `memory_mb`; with `every` > 0, memory is
    measured at most that often (seconds). `peak` is the most it measured."""

    def __init__(self, proc: subprocess.Popen, memory_mb: int, measure: Callable[[], int] | None = None,
                 every: float = 0.0):
        self.proc = proc
        self.fd_out = proc.stdin.fileno()
        self.fd_in = proc.stdout.fileno()
        os.set_blocking(self.fd_out, False)
        os.set_blocking(self.fd_in, False)
        self.buf = bytearray()
        self.memory_bytes = memory_mb * 2**20
        self.deadline = time.monotonic() + STARTUP_SECONDS
        self._child = processes.handle(proc.pid)
        self.measure, self.every = measure or self._child_rss, every
        self.peak = 0
        self._measured = 0.0

    def _child_rss(self) -> int:
        return processes.rss(self._child)

    def _tick(self):
        if time.monotonic() > self.deadline:
            raise Timeout("")
        if self.every:
            now = time.monotonic()
            if now - self._measured <= self.every:
                return
            self._measured = now
        used = self.measure()
        self.peak = max(self.peak, used)
        if used > self.memory_bytes:
            raise OutOfMemory("")

    def send(self, header, blobs=()):
        for part in _frame_parts(header, list(blobs)):
            view = memoryview(part)
            while view:
                self._tick()
                _, w, _ = select.select([], [self.fd_out], [], 0.2)
                if not w:
                    continue
                try:
                    n = os.write(self.fd_out, view)
                except BlockingIOError:
                    continue
                except (BrokenPipeError, OSError):
                    raise EOFError from None
                view = view[n:]

    def _fill(self, n: int):
        while len(self.buf) < n:
            self._tick()
            r, _, _ = select.select([self.fd_in], [], [], 0.2)
            if not r:
                continue
            try:
                chunk = os.read(self.fd_in, 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                raise EOFError
            self.buf += chunk

    def _take(self, n: int) -> bytes:
        self._fill(n)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def recv(self):
        hlen, nblobs = struct.unpack(">QI", self._take(12))
        if hlen > MAX_FRAME or nblobs > MAX_NODES:
            raise ProtocolError("frame too large")
        try:
            header = json.loads(self._take(hlen))
        except (ValueError, RecursionError):
            raise ProtocolError("bad JSON") from None
        if not isinstance(header, dict):
            raise ProtocolError("bad header")
        blobs, total = [], hlen
        for _ in range(nblobs):
            (n,) = struct.unpack(">Q", self._take(8))
            total += n
            if total > MAX_FRAME:
                raise ProtocolError(f"more than {MAX_FRAME // 2**20} MB of data")
            blobs.append(self._take(n))
        return header, blobs
