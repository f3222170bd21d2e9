"""Work shared with forked child processes, whose results come back through a pipe.

A forked child starts with the parent's memory (the vault as read so far, shared
copy-on-write), so only its results cross the pipe, pickled. A child that cannot be
started, or fails, is no error: the caller does that work itself.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

PARALLEL_MIN_NOTES = 500
"""Below this many notes, a child process costs more than it saves."""


def default_workers() -> int:
    """Processes worth sharing a large vault's work with: the cores, up to four (what
    each child sends back costs the main process too)."""
    return max(1, min(os.cpu_count() or 1, 4))


def can_fork() -> bool:
    # A fork copies only the calling thread: with others running, a lock one of them
    # held would stay locked in the child forever.
    return hasattr(os, "fork") and threading.active_count() == 1


def start(produce: Callable[[], Iterable[list[Any]]]) -> tuple[int, int] | None:
    """A child process that pickles each list ``produce`` yields into a pipe as it comes
    (so that it holds one batch, not all of them); its pid and the pipe's reading end,
    or None when no process can be started. Start every child before the first Receiver:
    its thread would make can_fork() false."""
    import pickle  # here, not at the top: a replayed lint starts no child

    try:
        reading, writing = os.pipe()
    except OSError:
        return None
    _widen(writing)
    pid, status = -1, 1
    try:
        pid = os.fork()
        if pid == 0:  # the child, which leaves only through os._exit below
            os.close(reading)
            with os.fdopen(writing, "wb") as out:
                for batch in produce():
                    pickle.dump(batch, out, 5)
            status = 0
    except OSError:
        if pid != 0:  # no child was made
            os.close(reading)
            os.close(writing)
            return None
    finally:
        if pid == 0:
            os._exit(status)
    os.close(writing)
    return pid, reading


PIPE_BYTES = 1 << 20
"""What the pipe from a child holds, where the system lets it be widened (Linux)."""


def _widen(pipe: int) -> None:
    """Let ``pipe`` hold PIPE_BYTES. The receiving thread takes the GIL back only every
    few milliseconds while the main thread works, so a child writing into the default
    64 KiB spent a third of its time waiting: a cold read of 20,000 notes on two cores
    took 2.6 s, and takes 1.8 s with a megabyte."""
    try:
        import fcntl

        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or a lower limit: the default size works, more slowly


class Receiver:
    """Unpickles what a child sends, in a thread, as it arrives: the child then never
    waits on a full pipe, and nothing is ever held as one whole pickle."""

    def __init__(self, child: tuple[int, int]) -> None:
        self.pid, reading = child
        self.received: list[Any] = []
        self.failed = False
        self._pipe = os.fdopen(reading, "rb")
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        import pickle

        try:
            with self._pipe:
                while True:
                    try:
                        batch = pickle.load(self._pipe)
                    except EOFError:
                        return  # the end (a torn stream shows as a failed exit)
                    self.received.extend(batch)
        except Exception:  # noqa: BLE001 - a child that died mid-batch sends a torn pickle
            self.failed = True

    def abandon(self) -> None:
        """Stop the child and reap it: the caller gave up on what it sends (it raised).
        Without this a finished child stays a zombie for as long as the process lives."""
        import signal

        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        self._thread.join()
        with contextlib.suppress(OSError):  # (ChildProcessError too: already reaped)
            os.waitpid(self.pid, 0)

    def result(self) -> list[Any] | None:
        """Every item of every batch the child sent, or None if the child failed."""
        self._thread.join()
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # SIGCHLD ignored by the program: no status to read
            return None
        return None if self.failed or status != 0 else self.received
