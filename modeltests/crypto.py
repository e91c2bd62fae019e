"""Encryption at rest of model-endpoint API keys (Fernet: AES-128-CBC with HMAC-SHA256).

The key comes from MODEL_ENDPOINT_KEYS (comma-separated Fernet keys, newest first, so an old
key still decrypts during a rotation). In development, with none set, one is generated once
under var/ (mode 0600). In production (DEBUG false, so MODEL_ENDPOINT_ALLOW_DEV_KEY false) a
missing key is a configuration error, never a silent fallback.
"""

from __future__ import annotations

import os
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class KeyUnreadable(Exception):
    """The stored key cannot be decrypted with the configured keys (rotated away?)."""


def _dev_key() -> bytes:
    path = settings.VAR_DIR / "model-endpoint.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    return path.read_bytes().strip()


@cache
def _fernet() -> MultiFernet:
    configured = [k.strip() for k in settings.MODEL_ENDPOINT_KEYS if k.strip()]
    if not configured:
        if not settings.MODEL_ENDPOINT_ALLOW_DEV_KEY:
            raise ImproperlyConfigured(
                "MODEL_ENDPOINT_KEYS must be set when DEBUG is false (a Fernet key: "
                "python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')."
            )
        configured = [_dev_key().decode()]
    try:
        return MultiFernet([Fernet(k.encode()) for k in configured])
    except ValueError as exc:
        raise ImproperlyConfigured(f"MODEL_ENDPOINT_KEYS holds an invalid key: {exc}") from None


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode("utf-8")).decode("ascii") if secret else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise KeyUnreadable("the stored API key cannot be decrypted") from None


def reset_cache() -> None:
    _fernet.cache_clear()
