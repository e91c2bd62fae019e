"""`make run` (scripts/run-dev.sh): the web server and the worker get a SITE_URL that follows the
address served, so e-mail links and the dossier's QR code point where the portal really is."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

FAKE = """#!/usr/bin/env bash
echo "$(basename "$0") SITE_URL=${SITE_URL:-} $*" >> "$RECORD"
# The server stand-in stays a moment, so the worker stand-in has started before it is stopped.
if [ "$(basename "$0")" = python ]; then sleep 1; fi
"""


def _run(tmp_path: Path, *args: str, **env: str) -> dict[str, str]:
    """Run the script with stand-ins for celery and manage.py that note what they were given."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    for name in ("celery", "python"):
        (venv / "bin" / name).write_text(FAKE)
        (venv / "bin" / name).chmod(0o755)
    record = tmp_path / "record.txt"
    record.unlink(missing_ok=True)
    base = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    subprocess.run(
        ["bash", "scripts/run-dev.sh", *args],
        cwd=BASE_DIR,
        env={**base, "VENV": str(venv), "RECORD": str(record), **env},
        check=False,  # the stand-ins exit at once; the script's exit status is not the point
        capture_output=True,
        timeout=30,
    )
    lines = record.read_text().splitlines()
    return {line.split()[0]: line for line in lines}


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        ((), "http://127.0.0.1:8000"),
        (("127.0.0.1:8104",), "http://127.0.0.1:8104"),
        (("192.0.2.10:9000",), "http://192.0.2.10:9000"),
        (("8123",), "http://127.0.0.1:8123"),
    ],
)
def test_site_url_follows_the_served_address(tmp_path, served, expected):
    seen = _run(tmp_path, *served)
    assert f"SITE_URL={expected} " in seen["python"]  # the web server
    assert f"SITE_URL={expected} " in seen["celery"]  # the worker, which sends the e-mails
    assert "runserver" in seen["python"]


def test_listening_everywhere_gives_an_address_others_can_open(tmp_path):
    seen = _run(tmp_path, "0.0.0.0:8000")
    url = seen["python"].split("SITE_URL=")[1].split()[0]
    assert url.endswith(":8000") and "0.0.0.0" not in url


def test_a_site_url_that_is_set_wins(tmp_path):
    seen = _run(tmp_path, "127.0.0.1:8104", SITE_URL="https://portal.example.cn")
    assert "SITE_URL=https://portal.example.cn " in seen["python"]
