"""Benchmark: the assessment page and the autosave endpoint under gunicorn with PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \
        .venv/bin/python bench/bench_assessment_page.py [--requests 200] [--concurrency 4]

Creates (and afterwards drops) the database named in DATABASE_URL, loads the full
questionnaire, answers half of it, starts gunicorn on 127.0.0.1 with 2 workers, then measures
sequential latency (median, p95) and throughput with N concurrent clients. Traffic stays on the
loopback interface; every loop is bounded.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8123
BASE = f"http://127.0.0.1:{PORT}"
SECRET_KEY = "bench-" + "b" * 60


def setup_database(url: str) -> tuple[str, str, str, int]:
    """Fresh database with the library, a provider, an editor and a half-answered assessment."""
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["CELERY_BROKER_URL"] = "memory://"  # no analyses run during set-up
    os.environ["SECRET_KEY"] = SECRET_KEY  # the session must be readable by gunicorn
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_questionnaires", verbosity=0)
    from assessments import services
    from providers.models import Role
    from tests import factories

    provider = factories.make_provider()
    service = factories.make_service(
        provider, channels=["web", "api"], modalities=["text", "image"]
    )
    user = factories.make_member(provider, Role.EDITOR).user
    assessment, _ = services.assessment_start(service=service, user=user)
    factories.fill_required(assessment, user)
    # Half of the answers removed again, so the page shows a realistic mix.
    ids = list(assessment.answers.values_list("pk", flat=True))
    assessment.answers.filter(pk__in=ids[::2]).delete()
    services.refresh_assessment(assessment)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    state = services.load_state(assessment)
    text_question = next(
        q for q in state.catalogue.questions if q.kind == "text" and q.code in state.applicable
    )
    answer = assessment.answers.filter(question_id=text_question.pk).first()
    revision = answer.revision if answer else 0
    return session.session_key, str(assessment.public_id), text_question.code, revision


def start_gunicorn(env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "2",
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(BASE + "/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def opener(session_key: str):
    """A client that carries the session cookie and, once seen, the CSRF cookie."""
    jar = http.cookiejar.CookieJar()
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


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def summary(name: str, samples: list[float], rps: float) -> str:
    samples = sorted(samples)
    p95 = samples[int(0.95 * (len(samples) - 1))]
    return (
        f"| {name} | {len(samples)} | {statistics.median(samples) * 1000:.1f} ms | "
        f"{p95 * 1000:.1f} ms | {rps:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL database to create, e.g. .../portal_bench"
        )
    session_key, assessment_id, question, start_revision = setup_database(url)
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": "memory://",
    }
    process = start_gunicorn(env)
    try:
        client = opener(session_key)
        page_url = f"{BASE}/assessments/{assessment_id}/?domain=content_safety"
        response = client.open(page_url)
        html = response.read().decode()
        if response.url != page_url or 'id="questions"' not in html:
            raise SystemExit(f"not the assessment page: {response.url}")
        token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        client.addheaders.append(("X-CSRFToken", token))
        answer_url = f"{BASE}/assessments/{assessment_id}/answers/{question}/"
        revision = [start_revision]

        def get_page():
            client.open(page_url).read()

        def save():
            body = urllib.parse.urlencode({"revision": revision[0], "value": f"答案 {revision[0]}"})
            request = urllib.request.Request(
                answer_url, data=body.encode(), method="POST", headers={"Referer": BASE + "/"}
            )
            with client.open(request) as response:
                if response.status != 200:
                    raise SystemExit(f"autosave answered {response.status}")
            revision[0] += 1

        n = args.requests
        get_page()
        page = timed(get_page, n)
        saves = timed(save, n)

        def burst(fn, total):
            start = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                list(pool.map(lambda _: fn(), range(total)))
            return total / (time.perf_counter() - start)

        page_rps = burst(get_page, n)
        print(
            f"Full questionnaire, domain 'content_safety', gunicorn 2 workers, PostgreSQL, "
            f"{args.concurrency} concurrent clients for throughput"
        )
        print("| endpoint | requests | median | p95 | requests/s |")
        print("|---|---|---|---|---|")
        print(summary("assessment page (GET)", page, page_rps))
        print(summary("autosave (POST, sequential)", saves, len(saves) / sum(saves)))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
