"""The worker's place beside the web processes: `celery worker` lowers its own CPU priority
(settings.WORKER_NICENESS), and loads WeasyPrint before it forks its pool. No broker is needed: the signal the worker command sends at start
is sent here, in a subprocess of its own."""

from __future__ import annotations

import os
import subprocess
import sys


def _at_worker_start(*, before: str, after: str, timeout: int = 60) -> subprocess.CompletedProcess:
    """Run `before`, the start signal `celery worker` sends, then `after`, in a fresh process
    with Django set up; the process must succeed."""
    script = (
        "import os, sys, django; django.setup(); "
        "from celery.signals import celeryd_init; import portal.celery; "
        f"{before}; "
        "celeryd_init.send(sender='w@test', instance=None, conf=None, options={}); "
        f"{after}"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=timeout
    )
    assert done.returncode == 0, done.stderr
    return done


def test_the_worker_command_lowers_its_cpu_priority():
    """`celery worker` (and what it forks: pool and render processes) runs WORKER_NICENESS
    below the web processes, so a page does not wait behind a build's renders."""
    from django.conf import settings

    assert settings.WORKER_NICENESS > 0
    done = _at_worker_start(
        before="before = os.getpriority(os.PRIO_PROCESS, 0)",
        after="print(os.getpriority(os.PRIO_PROCESS, 0) - before)",
    )
    assert int(done.stdout.split()[-1]) == min(settings.WORKER_NICENESS, 19 - os.nice(0))


def test_the_worker_command_loads_weasyprint_before_its_pool_and_renders_forks():
    """A pool process (and each render process it forks) finds WeasyPrint loaded: a PDF
    rendered after the worker's start signal imports no module, where each process's first
    PDF imported WeasyPrint (0.27 s of CPU)."""
    done = _at_worker_start(
        before="assert 'weasyprint' not in sys.modules",
        after="from dossiers.pdf import html_to_pdf; before = set(sys.modules); "
        "html_to_pdf('<html lang=\"zh-CN\"><body><p>预热 0</p></body></html>'); "
        "print(sorted(set(sys.modules) - before))",
        timeout=120,
    )
    assert done.stdout.split("\n")[-2] == "[]"
