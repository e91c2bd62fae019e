"""Independent pieces of one build (PDF renders, workbooks) run at the same time in forked
child processes.

WeasyPrint is single-threaded, so two documents render at once only in two processes. A forked
child inherits everything the parent has loaded (Django, WeasyPrint, the build's data), so
nothing is pickled on the way in and nothing is imported again; each result comes back pickled
through a temporary file. Where there is no fork (Windows) or settings.RENDER_PROCESSES is 1,
the pieces run one after another in this process: same results, same order.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings

# Database connections inherited by a child: kept referenced so that they are never closed
# (closing would end the parent's session on the server); the child opens its own if needed.
_INHERITED: list[Any] = []


def processes() -> int:
    if not hasattr(os, "fork"):
        return 1
    return max(1, int(getattr(settings, "RENDER_PROCESSES", 1)))


def run_all(
    calls: Sequence[Callable[[], Any]],
    *,
    limit: int | None = None,
    costs: Sequence[float] | None = None,
) -> list[Any]:
    """The results of `calls`, in order; at most `limit` (default: RENDER_PROCESSES) children at
    once, the calls with the highest `costs` (an estimate, any unit) started first, so that the
    longest piece does not start last while the other processes run out of work. The first
    exception a call raised is raised here, after every child has ended."""
    limit = processes() if limit is None else min(limit, processes())
    if limit <= 1 or len(calls) <= 1:
        return [call() for call in calls]
    results: list[Any] = [None] * len(calls)
    running: dict[int, tuple[int, Any]] = {}  # pid -> (index, result file)
    error: BaseException | None = None
    pending = list(enumerate(calls))
    if costs is not None:
        pending.sort(key=lambda item: -costs[item[0]])
    try:
        while pending or running:
            while pending and len(running) < limit and error is None:
                index, call = pending.pop(0)
                out = tempfile.TemporaryFile()
                running[_start(call, out)] = (index, out)
            if not running:
                break
            pid = _wait_any(running)
            index, out = running.pop(pid)
            ok, value = _read(out)
            if ok:
                results[index] = value
            elif error is None:
                error = value
    finally:
        for pid, (_index, out) in running.items():  # an exception (time limit) in the parent
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            out.close()
    if error is not None:
        raise error
    return results


def _wait_any(running: dict[int, Any]) -> int:
    """The first of our children to end (never os.wait(): it could reap another's child)."""
    while True:
        for pid in running:
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done:
                return pid
        time.sleep(0.01)


def _start(call: Callable[[], Any], out) -> int:
    pid = os.fork()
    if pid:
        return pid
    # The child: never returns into the parent's code, never runs its exit handlers.
    code = 0
    try:
        # Everything inherited stays until the child exits: out of the garbage collector's
        # walks (dossiers.pdf.old_objects_left_out_of_gc says what they cost a render), and
        # its pages stay shared with the parent instead of being copied as the collector
        # writes to them.
        gc.freeze()
        _detach_database()
        try:
            payload = (True, call())
        except BaseException as exc:
            payload = (False, exc)
        try:
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            data = pickle.dumps((False, RuntimeError(f"result not transferable: {exc!r}")))
        out.write(data)
        out.flush()
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _read(out) -> tuple[bool, Any]:
    try:
        out.seek(0)
        data = out.read()
        if not data:
            return False, RuntimeError("a render process ended without a result")
        return pickle.loads(data)
    finally:
        out.close()


def _detach_database() -> None:
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            _INHERITED.append(connection.connection)
            connection.connection = None
