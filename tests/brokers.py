"""Pointing this process's Celery app at another broker, for tests of a broker that is down or
hangs."""

from __future__ import annotations

from portal.celery import app


def use_broker(url: str | None) -> None:
    from kombu import pools

    app.conf.broker_url = app.conf.broker_read_url = app.conf.broker_write_url = url
    pools.reset()  # kombu keeps connection and producer pools per process
    app._pool = None
    app.amqp._producer_pool = None
