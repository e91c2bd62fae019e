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
import select
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
    last_here: bool = False,
) -> list[Any]:
    """The results of `calls`, in order; at most `limit` (default: RENDER_PROCESSES) children at
    once, the calls with the highest `costs` (an estimate, any unit) started first, so that the
    longest piece does not start last while the other processes run out of work. The first
    exception a call raised in a child is raised here, after every child has ended.

    `last_here`: the last call to start runs in this process, in the place of a child, while
    the others run; this process would only wait meanwhile. A child of a Celery worker costs
    its fork, its copies of the worker's pages as it writes to them, and its exit: for a
    3-page PDF that was 0.02-0.1 s of CPU more than in the worker, taken from the report's
    parts on the same cores (docs/benchmarks.md, "Signed package"). An exception of that call
    goes up at once; the children are ended."""
    limit = processes() if limit is None else min(limit, processes())
    if limit <= 1 or len(calls) <= 1:
        return [call() for call in calls]
    results: list[Any] = [None] * len(calls)
    running: dict[int, tuple[int, Any, int]] = {}  # pid -> (index, result file, its pipe)
    error: BaseException | None = None
    pending = list(enumerate(calls))
    if costs is not None:
        pending.sort(key=lambda item: -costs[item[0]])
    try:
        while pending or running:
            while pending and len(running) < limit and error is None:
                index, call = pending.pop(0)
                if last_here and not pending:
                    results[index] = call()
                    continue
                out = tempfile.TemporaryFile()
                # The child holds the pipe's write end until it exits: its end of file wakes
                # the wait below at once (waitpid alone was polled every 10 ms).
                ended, holding = os.pipe()
                try:
                    pid = _start(call, out)
                finally:
                    os.close(holding)
                running[pid] = (index, out, ended)
            if not running:
                break
            pid = _wait_any(running)
            index, out, ended = running.pop(pid)
            os.close(ended)
            ok, value = _read(out)
            if ok:
                results[index] = value
            elif error is None:
                error = value
    finally:
        for pid, (_index, out, ended) in running.items():  # an exception (time limit) here
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            out.close()
            os.close(ended)
    if error is not None:
        raise error
    return results


def _wait_any(running: dict[int, tuple[int, Any, int]]) -> int:
    """The first of our children to end (never os.wait(): it could reap another's child). Woken
    by the end of file of a child's pipe; a pipe that a child's own child still holds open
    (a report part) or a child between closing its files and its end is looked at again
    after a while."""
    poll = select.poll()  # not select.select: it fails on a descriptor number of 1024 or more
    for _index, _out, ended in running.values():
        poll.register(ended, select.POLLIN)
    while True:
        readable = poll.poll(100)
        for pid in running:
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done:
                return pid
        if readable:
            time.sleep(0.001)


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
