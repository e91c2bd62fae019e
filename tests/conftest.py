"""Personas (owner, editor, viewer of one provider; an outsider who owns another; a portal
reviewer; anonymous) with a signed-in client each, and the library loaded once per run."""

from __future__ import annotations

import os

import pytest
from django.db.backends.signals import connection_created
from django.test import Client

from library.loading import load_library
from providers.models import Role
from tests import factories


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"


def _tests_may_truncate_the_audit_log(sender, connection, **kwargs) -> None:
    """Transactional tests empty every table with TRUNCATE between tests, which the audit
    table's trigger refuses (audit migration 0008) unless the session says it is a test's."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET portal.audit_truncate_for_tests = 'on'")


connection_created.connect(_tests_may_truncate_the_audit_log, dispatch_uid="audit-truncate")


def pytest_sessionstart(session):
    """In CI the suite runs on PostgreSQL and Redis, and fails loudly if they do not answer."""
    database_url = os.environ.get("DATABASE_URL", "")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    if os.environ.get("CI") and not (
        database_url.startswith("postgres") and broker_url.startswith("redis")
    ):
        pytest.exit("CI must set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis)", 3)
    _own_cache(session)
    if broker_url.startswith("redis"):
        import redis

        try:
            redis.Redis.from_url(broker_url, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            pytest.exit(f"Redis at {broker_url} does not answer: {exc}", 3)


def _own_cache(session) -> None:
    """The run counts its rate limits in a cache of its own: the file cache (the embedded
    default) in a fresh folder, not the developer's var/cache, so no count is left over from an
    earlier run; a Redis CACHE_URL keeps Redis with a key prefix of this run."""
    import tempfile
    import uuid

    from django.conf import settings

    default = dict(settings.CACHES["default"])
    if default["BACKEND"].endswith("FileBasedCache"):
        default["LOCATION"] = tempfile.mkdtemp(prefix="portal-test-cache-")
    else:
        default["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": default}


@pytest.fixture(autouse=True)
def _eager_tasks():
    """Unit tests run tasks in-process; tests/test_worker.py runs a real worker on Redis."""
    from portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory):
    """A development CA made once per run (RSA key generation takes about a second)."""
    from dossiers import signing

    directory = tmp_path_factory.mktemp("signing")
    signing.write_dev_ca(directory)
    return directory


@pytest.fixture
def dev_signing(settings, signing_dir):
    """Sign with the development CA and trust only it, as `make run` does."""
    settings.DOSSIER_DEV_SIGNING_DIR = signing_dir
    settings.DOSSIER_ALLOW_DEV_SIGNING = True
    settings.DOSSIER_SIGNING_PKCS12 = ""
    settings.DOSSIER_SIGNING_KEY = ""
    settings.DOSSIER_TRUST_ROOTS = []
    settings.DOSSIER_TSA_URL = ""
    return signing_dir


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real library (fixtures/) is reference data every test may read."""
    with django_db_blocker.unblock():
        load_library()


@pytest.fixture
def provider(db):
    return factories.make_provider(name_zh="甲科技有限公司")


@pytest.fixture
def service(provider):
    return factories.make_service(provider, name="甲对话助手", channels=["web", "api"])


@pytest.fixture
def owner(provider):
    return factories.make_member(provider, Role.OWNER, email="owner@a.example.cn").user


@pytest.fixture
def editor(provider):
    return factories.make_member(provider, Role.EDITOR, email="editor@a.example.cn").user


@pytest.fixture
def viewer(provider):
    return factories.make_member(provider, Role.VIEWER, email="viewer@a.example.cn").user


@pytest.fixture
def other_provider(db):
    return factories.make_provider(name_zh="乙科技有限公司")


@pytest.fixture
def outsider(other_provider):
    return factories.make_member(other_provider, Role.OWNER, email="owner@b.example.cn").user


@pytest.fixture
def reviewer(db):
    return factories.make_user(email="reviewer@example.cn", is_reviewer=True)


@pytest.fixture
def admin_user(db):
    return factories.make_user(email="admin@example.cn", is_staff=True, is_superuser=True)


def _client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def editor_client(editor):
    return _client_for(editor)


@pytest.fixture
def viewer_client(viewer):
    return _client_for(viewer)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


@pytest.fixture
def reviewer_client(reviewer):
    return _client_for(reviewer)


@pytest.fixture
def personas(owner, editor, viewer, outsider, reviewer):
    return {
        "anonymous": None,
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "outsider": outsider,
        "reviewer": reviewer,
    }


@pytest.fixture
def client_for():
    return _client_for
