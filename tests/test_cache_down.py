"""Redis as the cache, down for a moment: the public verification page and the API keep
answering (their rate limits fail open and say so in the log), and count again once Redis is
back. The test runs its own redis-server on a free port, never the shared one."""

from __future__ import annotations

import logging
import shutil

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from api.tokens import token_create
from providers.models import Role
from tests.test_broker_down import OwnRedis

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed"),
]


@pytest.fixture
def redis_cache(tmp_path, settings):
    redis = OwnRedis(tmp_path)
    redis.start()
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        },
    }
    yield redis
    redis.stop()


def _verify(client):
    upload = SimpleUploadedFile("x.pdf", b"%PDF-1.7 nothing")
    return client.post(reverse("dossiers:verify"), {"file": upload}, REMOTE_ADDR="192.0.2.7")


def test_the_verification_page_answers_while_the_cache_is_down(redis_cache, settings, caplog):
    settings.DOSSIER_VERIFY_PER_HOUR = 2
    client = Client()
    assert [_verify(client).status_code for _ in range(3)] == [200, 200, 429]

    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="portal.ratelimit"):
        down = [_verify(client) for _ in range(3)]
    assert [r.status_code for r in down] == [200, 200, 200]
    assert "cache is unreachable" in caplog.text

    redis_cache.start()  # empty again: the count starts over
    assert [_verify(client).status_code for _ in range(3)] == [200, 200, 429]


def test_the_api_answers_while_the_cache_is_down(redis_cache, editor, provider, caplog):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    _token, secret = token_create(
        user=editor, name="CI", provider=provider, role=Role.EDITOR, days=30
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = reverse("api:me")
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "api": "2/minute"}
    try:
        assert [api.get(url).status_code for _ in range(3)] == [200, 200, 429]
        redis_cache.stop()
        with caplog.at_level(logging.WARNING, logger="portal.ratelimit"):
            assert [api.get(url).status_code for _ in range(3)] == [200, 200, 200]
        assert "cache is unreachable" in caplog.text
        redis_cache.start()
        assert [api.get(url).status_code for _ in range(3)] == [200, 200, 429]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
        cache.clear()
