"""Settings read from the environment: production passes `check --deploy`, bad values stop the
start-up with a message that names the variable, and .env.example documents every variable."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import check_broker_url, database_from_url, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_FILE = BASE_DIR / "portal" / "settings.py"
PRODUCTION_SECRET_KEY = "k" * 20 + "S3cr3t-" * 6 + "z2"  # 64 characters, varied enough
assert len(PRODUCTION_SECRET_KEY) == 64

# Variables the settings read that must not leak into these tests from the caller's
# environment. DATABASE_URL and CELERY_BROKER_URL stay: `check` needs no database or broker.
_ENV_READ = re.compile(r"""env_(?:str|bool|int|list)\(\s*["']([A-Z0-9_]+)["']""")
SETTINGS_VARIABLES = sorted(set(_ENV_READ.findall(SETTINGS_FILE.read_text(encoding="utf-8"))))
_KEPT = {"DATABASE_URL", "CELERY_BROKER_URL"}


def _clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES or k in _KEPT}
    # The browser tests allow sync ORM calls inside Playwright's event loop for their own
    # process; a deployment never has that switch, so neither has the simulated one.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    env["PORTAL_VAR_DIR"] = str(tmp_path / "var")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(overrides)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- manage.py check --deploy (subprocesses: a fresh settings import each) -----------------


def test_deploy_check_passes_with_production_values(tmp_path):
    env = _clean_env(
        tmp_path,
        DEBUG="false",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        ALLOWED_HOSTS="portal.example.cn",
    )
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output
    assert not re.search(r"security\.W\d+", output), output


def test_production_without_secret_key_refuses_to_start(tmp_path):
    env = _clean_env(tmp_path, DEBUG="false", ALLOWED_HOSTS="portal.example.cn")
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_invalid_variable_stops_django_setup(tmp_path):
    env = _clean_env(tmp_path, DATABASE_URL="mysql://user@db/portal")
    result = _run(["-c", "import django; django.setup()"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL" in result.stderr


# --- the settings module itself, executed in-process in a fresh namespace ------------------


@pytest.fixture
def load_settings(monkeypatch, tmp_path):
    """Run portal/settings.py with a controlled environment; returns its namespace.

    runpy.run_path neither touches sys.modules["portal.settings"] nor django.conf.settings."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_VAR_DIR", str(tmp_path / "var"))

    def load(**values: str) -> dict:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return load


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://x"),
        ("DATABASE_URL", "postgres://host/"),
        ("DATABASE_URL", "postgres://host"),
        ("DATABASE_URL", "sqlite:relative.sqlite3"),
        ("DATABASE_URL", "sqlite://relative.sqlite3"),
        ("DATABASE_URL", "db.example.cn:5432/portal"),
        ("CELERY_BROKER_URL", "amqp://guest:guest@localhost:5672//"),
        ("CELERY_BROKER_URL", "localhost:6379"),
        ("DEBUG", "maybe"),
        ("EMAIL_USE_TLS", "sometimes"),
        ("BEHIND_TLS_PROXY", "2"),
        ("EVIDENCE_MAX_MB", "abc"),
        ("EVIDENCE_MAX_MB", "0"),
        ("SESSION_AGE_MINUTES", "1"),
        ("LOGIN_FAILURE_LIMIT", "0"),
        ("EMAIL_PORT", "smtp"),
        ("SECURE_HSTS_SECONDS", "1.5"),
        ("SECRET_KEY", "too-short"),
    ],
)
def test_invalid_value_names_the_variable(load_settings, name, value):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        load_settings(**{name: value})
    assert name in str(excinfo.value)


def test_production_settings_are_hardened(load_settings):
    ns = load_settings(
        DEBUG="false",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        ALLOWED_HOSTS="portal.example.cn, www.portal.example.cn",
        DATABASE_URL="postgres://portal:p%40ss@db.internal:6543/portal?sslmode=require",
        CELERY_BROKER_URL="redis://redis:6379/0",
        BEHIND_TLS_PROXY="true",
        SITE_URL="https://portal.example.cn/",
    )
    assert ns["DEBUG"] is False
    assert ns["ALLOWED_HOSTS"] == ["portal.example.cn", "www.portal.example.cn"]
    assert ns["SECURE_SSL_REDIRECT"] and ns["SESSION_COOKIE_SECURE"] and ns["CSRF_COOKIE_SECURE"]
    assert ns["SECURE_HSTS_SECONDS"] == 31536000
    assert ns["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert ns["SITE_URL"] == "https://portal.example.cn"
    db = ns["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("portal", "portal", "p@ss")
    assert (db["HOST"], db["PORT"], db["OPTIONS"]) == (
        "db.internal",
        "6543",
        {"sslmode": "require"},
    )
    assert ns["CELERY_BROKER_URL"] == "redis://redis:6379/0"


def test_development_defaults_need_no_environment(load_settings, tmp_path):
    ns = load_settings()
    assert ns["DEBUG"] is True
    assert ns["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert ns["DATABASES"]["default"]["NAME"] == tmp_path / "var" / "db.sqlite3"
    assert ns["CELERY_BROKER_URL"] == "filesystem://"
    assert ns["SECURE_SSL_REDIRECT"] is False
    assert ns["SECURE_HSTS_SECONDS"] == 0
    assert "SECURE_PROXY_SSL_HEADER" not in ns


def test_https_hardening_can_be_switched_off_for_a_proxy_setup(load_settings):
    ns = load_settings(DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY, SECURE_SSL_REDIRECT="off")
    assert ns["SECURE_SSL_REDIRECT"] is False
    assert ns["SESSION_COOKIE_SECURE"] is True


# --- the parsing helpers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True)]
    + [("0", False), ("False", False), ("no", False), ("off", False), ("", False)],
)
def test_env_bool_accepts(monkeypatch, raw, expected):
    monkeypatch.setenv("PORTAL_TEST_FLAG", raw)
    assert env_bool("PORTAL_TEST_FLAG", not expected) is expected


def test_env_helpers_defaults(monkeypatch):
    monkeypatch.delenv("PORTAL_TEST_VALUE", raising=False)
    assert env_bool("PORTAL_TEST_VALUE", True) is True
    assert env_int("PORTAL_TEST_VALUE", 7) == 7
    assert env_list("PORTAL_TEST_VALUE", ["a"]) == ["a"]
    monkeypatch.setenv("PORTAL_TEST_VALUE", " ")
    assert env_int("PORTAL_TEST_VALUE", 7) == 7
    assert env_list("PORTAL_TEST_VALUE", ["a"]) == []


@pytest.mark.parametrize(
    "url",
    ["postgres://h/portal", "postgresql://u:p@h:5432/portal", "sqlite:////var/lib/portal.sqlite3"],
)
def test_database_url_accepted(url):
    assert database_from_url("DATABASE_URL", url)["NAME"]


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "rediss://r:6380/1", "filesystem://", "memory://"]
)
def test_broker_url_accepted(url):
    assert check_broker_url("CELERY_BROKER_URL", url) == url


# --- documentation ---------------------------------------------------------------------------


def test_env_example_documents_every_variable():
    example = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    assert SETTINGS_VARIABLES, "no env_* reads found in portal/settings.py"
    missing = [name for name in SETTINGS_VARIABLES if name not in documented]
    assert not missing, f"add these to .env.example with a comment: {missing}"


# --- single sign-on, local passwords, two-factor sign-in -----------------------------------

SSO = {
    "OIDC_CLIENT_ID": "compliance-portal",
    "OIDC_CLIENT_SECRET": "from-the-provider",
    "OIDC_AUTHORIZATION_ENDPOINT": "https://sso.example.cn/auth",
    "OIDC_TOKEN_ENDPOINT": "https://sso.example.cn/token",
    "OIDC_USERINFO_ENDPOINT": "https://sso.example.cn/me",
    "OIDC_JWKS_ENDPOINT": "https://sso.example.cn/jwks",
}


def test_single_sign_on_needs_every_endpoint(load_settings):
    partial = {k: v for k, v in SSO.items() if k != "OIDC_TOKEN_ENDPOINT"}
    with pytest.raises(ImproperlyConfigured, match="OIDC_TOKEN_ENDPOINT"):
        load_settings(**partial)
    configured = load_settings(**SSO)
    assert "accounts.oidc.SSOBackend" in configured["AUTHENTICATION_BACKENDS"]


def test_passwords_go_off_only_with_single_sign_on(load_settings, monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="LOCAL_PASSWORDS"):
        load_settings(LOCAL_PASSWORDS="false")
    for name in SSO:
        monkeypatch.delenv(name, raising=False)
    backends = load_settings(LOCAL_PASSWORDS="false", **SSO)["AUTHENTICATION_BACKENDS"]
    assert "django.contrib.auth.backends.ModelBackend" not in backends


def test_two_factor_sign_in_is_required_in_production(load_settings, monkeypatch):
    assert load_settings()["MFA_REQUIRED"] is False  # DEBUG defaults to true
    monkeypatch.setenv("ALLOWED_HOSTS", "portal.example.cn")
    assert load_settings(DEBUG="false", SECRET_KEY=PRODUCTION_SECRET_KEY)["MFA_REQUIRED"] is True
