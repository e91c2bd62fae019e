"""Data and plumbing shared by the page benchmarks (bench_assessment_page.py,
bench_mixed_load.py, profile_pages.py): a fresh PostgreSQL database with the full
questionnaire, signed-in sessions, gunicorn on 127.0.0.1, HTTP clients with cookies.

Everything talks to 127.0.0.1 only, and every wait is bounded.
"""

from __future__ import annotations

import http.cookiejar
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET_KEY = "bench-" + "b" * 60
PAGE_DOMAIN = "content_safety"  # 内容安全: 30 applicable questions with forms and files


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children still running (gunicorn's
    workers, a Celery worker's pool), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        pids += [int(c) for c in children]
    return total


def require_postgres() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL database to create, e.g. .../portal_bench"
        )
    return url


def recreate_database(url: str) -> None:
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(broker: str = "memory://") -> None:
    """Django in this process, on the benchmark database; no analyses queued while set up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["CELERY_BROKER_URL"] = broker
    os.environ["SECRET_KEY"] = SECRET_KEY  # the sessions must be readable by gunicorn
    import django

    django.setup()


def migrate_and_load() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_questionnaires", verbosity=0)


def session_for(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def half_answered(n: int = 1, *, editors: int = 1) -> list[dict]:
    """`n` providers, each with `editors` editors and a draft of the full questionnaire for a
    public text-and-image service on web and API: every applicable required question answered,
    then every second answer removed again, so the page shows a realistic mix."""
    from assessments import services
    from providers.models import Role
    from tests import factories

    out = []
    for _ in range(n):
        provider = factories.make_provider()
        service = factories.make_service(
            provider, channels=["web", "api"], modalities=["text", "image"]
        )
        users = [factories.make_member(provider, Role.EDITOR).user for _ in range(editors)]
        user = users[0]
        assessment, _created = services.assessment_start(service=service, user=user)
        factories.fill_required(assessment, user)
        ids = list(assessment.answers.values_list("pk", flat=True))
        assessment.answers.filter(pk__in=ids[::2]).delete()
        state = services.refresh_assessment(assessment)
        revisions = {
            code: (state.answers[code].revision if code in state.answers else 0)
            for code in state.applicable
        }
        text_codes = [
            q.code
            for q in state.catalogue.questions
            if q.kind == "text" and q.code in state.applicable
        ]
        # Answers people type justifications into: every applicable question but files and
        # gates (a gate answer would move questions in and out of the page under the others).
        typed = {
            q.code: factories.answer_data(q)
            for q in state.catalogue.questions
            if q.code in state.applicable and q.kind != "evidence" and not q.gate
        }
        out.append(
            {
                "user": user,
                "session": session_for(user),
                "sessions": [session_for(u) for u in users],
                "assessment": str(assessment.public_id),
                "assessment_pk": assessment.pk,
                "text_question": text_codes[0],
                "text_questions": text_codes,
                "typed": typed,
                "revisions": revisions,
                "initial_revisions": dict(revisions),
            }
        )
    return out


def in_review(n: int = 1, *, reviewed: bool = True, realistic: bool = True) -> list[dict]:
    """`n` full submissions, each in review with a reviewer of its own. `realistic`: annex
    files analysed and long justifications (dossiers.testing), else every required answer with
    the sample values. With `reviewed`, every answered applicable question has a verdict (a few
    sent back with a comment), so the review page shows them all."""
    from assessments import services
    from assessments.models import Assessment
    from dossiers.testing import make_assessment
    from providers.models import Role
    from reviews.models import AnswerReview, Verdict
    from reviews.services import _store_reviewed_score
    from tests import factories

    out = []
    for i in range(n):
        provider = factories.make_provider()
        service = factories.make_service(
            provider, channels=["web", "api"], modalities=["text", "image"]
        )
        user = factories.make_member(provider, Role.EDITOR).user
        reviewer = factories.make_user(email=f"reviewer{i}@bench.example.cn", is_reviewer=True)
        if realistic:
            assessment = make_assessment(service, user)
        else:
            assessment, _created = services.assessment_start(service=service, user=user)
            factories.fill_required(assessment, user)
        services.assessment_submit(assessment=assessment, user=user)
        Assessment.objects.filter(pk=assessment.pk).update(status="in_review", assigned_to=reviewer)
        assessment = Assessment.objects.get(pk=assessment.pk)
        catalogue = services.get_catalogue(assessment.questionnaire)
        answered = [
            catalogue.by_code[a["question"]]
            for a in assessment.snapshot["answers"]
            if a["applicable"]
        ]
        if reviewed:
            AnswerReview.objects.bulk_create(
                AnswerReview(
                    assessment=assessment,
                    question_id=q.pk,
                    verdict=Verdict.NEEDS_REVISION if k % 10 == 3 else Verdict.ACCEPTED,
                    comment="请补充运行日志摘录和最近一次内审记录。" if k % 10 == 3 else "",
                    reviewer=reviewer,
                )
                for k, q in enumerate(answered)
            )
            _store_reviewed_score(assessment)
        out.append(
            {
                "reviewer": reviewer,
                "session": session_for(reviewer),
                "assessment": str(assessment.public_id),
                "assessment_pk": assessment.pk,
                "questions": [q.code for q in answered if not q.red_line],
            }
        )
    return out


def server_env(**extra) -> dict:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "MFA_REQUIRED": "false",
        "CELERY_BROKER_URL": "memory://",
        **extra,
    }


def start_gunicorn(port: int, env: dict, workers: int = 2) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit("gunicorn exited at start") from None
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def opener(session_key: str | None):
    """A client that carries the session cookie and, once seen, the CSRF cookie."""
    jar = http.cookiejar.CookieJar()
    if session_key:
        jar.set_cookie(
            http.cookiejar.Cookie(
                0,
                "sessionid",
                session_key,
                None,
                False,
                "127.0.0.1",
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )
        )
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]
