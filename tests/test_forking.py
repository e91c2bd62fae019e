"""portal/forking.py: pieces of a build in forked processes give what they give in-process."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.db import connection

from dossiers.errors import DossierError
from portal import forking


@pytest.fixture(autouse=True)
def _two_processes(settings):
    settings.RENDER_PROCESSES = 2


def _pid_and(value):
    return os.getpid(), value


def test_results_come_back_in_order_from_other_processes():
    calls = [lambda v=v: _pid_and(v * v) for v in range(5)]
    results = forking.run_all(calls)
    assert [value for _pid, value in results] == [0, 1, 4, 9, 16]
    assert all(pid != os.getpid() for pid, _value in results)


def test_the_costliest_calls_start_first_and_results_keep_their_order(monkeypatch):
    calls = [lambda v=v: _pid_and(v) for v in range(5)]
    started = []
    real_start = forking._start

    def start(call, out):
        started.append(calls.index(call))
        return real_start(call, out)

    monkeypatch.setattr(forking, "_start", start)
    results = forking.run_all(calls, costs=[1, 5, 0, 9, 5])
    assert [value for _pid, value in results] == [0, 1, 2, 3, 4]
    assert started == [3, 1, 4, 0, 2]  # ties in their own order


def test_the_last_call_to_start_can_run_here_while_the_others_run_in_children():
    calls = [lambda v=v: _pid_and(v) for v in range(4)]
    results = forking.run_all(calls, costs=[3, 2, 0, 1], last_here=True)
    assert [value for _pid, value in results] == [0, 1, 2, 3]
    assert results[2][0] == os.getpid()  # the cheapest, started last
    assert all(pid != os.getpid() for pid, _value in results[:2] + results[3:])


def test_an_error_of_the_call_run_here_ends_the_children_at_once():
    def slow():
        time.sleep(60)
        return os.getpid()

    def fails():
        raise DossierError("font_missing", "U+4E2D")

    started = time.monotonic()
    with pytest.raises(DossierError):
        forking.run_all([slow, fails], costs=[1, 0], last_here=True)
    assert time.monotonic() - started < 30  # the child was ended, not waited for


def test_a_child_whose_own_child_lives_on_is_collected_when_it_ends():
    """The wait wakes when a child's pipe closes; a grandchild that holds it open (as a
    report's part processes do while they run) does not hold the result back."""

    def leaves_a_child():
        pid = os.fork()
        if pid == 0:
            time.sleep(20)
            os._exit(0)
        return pid

    started = time.monotonic()
    grandchild, value = forking.run_all([leaves_a_child, lambda: 7])
    try:
        assert value == 7
        assert time.monotonic() - started < 10
    finally:
        os.kill(grandchild, signal.SIGKILL)


def test_one_process_runs_everything_here(settings):
    settings.RENDER_PROCESSES = 1
    results = forking.run_all([lambda: _pid_and(1), lambda: _pid_and(2)])
    assert results == [(os.getpid(), 1), (os.getpid(), 2)]


def test_an_error_in_a_child_is_raised_with_its_code():
    def fails():
        raise DossierError("font_missing", "U+4E2D")

    with pytest.raises(DossierError) as caught:
        forking.run_all([lambda: 1, fails, lambda: 3])
    assert (caught.value.code, caught.value.detail) == ("font_missing", "U+4E2D")


@pytest.mark.django_db(transaction=True)
def test_a_child_using_the_database_leaves_the_parents_session_alone():
    def query():
        with connection.cursor() as cursor:  # the child's own connection, not the parent's
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
    assert forking.run_all([query, query]) == [1, 1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 3")
        assert cursor.fetchone()[0] == 3
