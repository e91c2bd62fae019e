"""The weekly digest: library changes of the past week that affect a person's services.

Two kinds of change count. A questionnaire version loaded in the last seven days: for each
service of each provider the person belongs to, the digest names the new and changed questions
of that version that apply to the service (assessments.notices, the same as the dashboard
notice), with the way to upgrade. And an instrument coming into force within the next fourteen
days that a question applying to the service cites (so it is named in at most two digests). One digest per person and ISO week: running the job again in the same week
makes and sends nothing more.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from assessments.dashboard import dashboard_rows
from assessments.notices import upgrade_notices
from library.catalogue import get_catalogue
from library.models import Instrument, Provision, Questionnaire
from notifications.models import Digest
from outbox.services import dispatch
from providers.models import Provider

WINDOW = dt.timedelta(days=7)
SOON = dt.timedelta(days=14)


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _entries(provider: Provider, new_versions: set[int]) -> list[dict]:
    rows = dashboard_rows(provider)
    entries = []
    for notice in upgrade_notices([(row.service, row.current) for row in rows]):
        if notice.target.pk not in new_versions:
            continue
        if notice.can_upgrade:
            link = reverse("assessments:upgrade", args=[notice.assessment.public_id])
        else:
            link = reverse(
                "providers:service_detail", args=[provider.public_id, notice.service.public_id]
            )
        entries.append(
            {
                "kind": "version",
                "provider": provider.name_zh,
                "service": notice.service.name,
                "from_version": notice.current.version,
                "to_version": notice.target.version,
                "title_zh": notice.target.title_zh,
                "title_en": notice.target.title_en,
                "questions": [
                    {"code": q.code, "text_zh": q.text_zh, "text_en": q.text_en}
                    for q in notice.questions
                ],
                "can_upgrade": notice.can_upgrade,
                "link": settings.SITE_URL + link,
                "changes_link": settings.SITE_URL
                + reverse(
                    "library:questionnaire_changes",
                    args=[notice.target.code, notice.current.version, notice.target.version],
                ),
            }
        )
    return entries


def _coming_into_force(provider: Provider, soon: list[Instrument]) -> list[dict]:
    """Per service: the instruments of `soon` that a question applying to it cites, in the
    newest version of its questionnaire (its answers there, where it has them, decide)."""
    if not soon:
        return []
    owner = dict(Provision.objects.filter(instrument__in=soon).values_list("key", "instrument_id"))
    by_pk = {i.pk: i for i in soon}
    newest: dict[str, Questionnaire] = {}
    for q in Questionnaire.objects.order_by("version"):
        newest[q.code] = q
    entries = []
    for row in dashboard_rows(provider):
        current = row.current
        code = current.questionnaire.code if current else None
        target = newest.get(code) if code else next(iter(newest.values()), None)
        if target is None:
            continue
        catalogue = get_catalogue(target)
        answers = {}
        if current is not None and current.questionnaire_id == target.pk:
            answers = {
                catalogue.by_pk[a.question_id].code: a.value
                for a in current.answers.all()
                if a.question_id in catalogue.by_pk
            }
        applicable = catalogue.applicable(row.service.profile(), answers)
        cited = {
            owner[p.key]
            for q in catalogue.questions
            if q.code in applicable
            for p in q.provisions
            if p.key in owner
        }
        for pk in sorted(cited, key=lambda pk: (by_pk[pk].effective, by_pk[pk].position)):
            instrument = by_pk[pk]
            entries.append(
                {
                    "kind": "in_force",
                    "provider": provider.name_zh,
                    "service": row.service.name,
                    "title_zh": instrument.title_zh,
                    "title_en": instrument.title_en,
                    "effective": instrument.effective.isoformat(),
                    "link": settings.SITE_URL
                    + reverse("library:instrument_changes", args=[instrument.code]),
                }
            )
    return entries


def make_weekly_digests(now: dt.datetime | None = None) -> list[Digest]:
    """Digests for this week, each e-mailed once after its row commits."""
    from notifications.tasks import send_digest_email

    now = now or timezone.now()
    week = week_of(timezone.localdate(now))
    new_versions = set(
        Questionnaire.objects.filter(loaded_at__gt=now - WINDOW, loaded_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    today = timezone.localdate(now)
    soon = list(Instrument.objects.filter(effective__gt=today, effective__lte=today + SOON))
    if not new_versions and not soon:
        return []
    by_provider: dict[int, list[dict]] = {}
    made = []
    users = User.objects.filter(is_active=True, memberships__isnull=False).distinct().order_by("pk")
    for user in users:
        if Digest.objects.filter(recipient=user, week=week).exists():
            continue
        content = []
        for provider in Provider.objects.filter(memberships__user=user).order_by("name_zh"):
            if provider.pk not in by_provider:
                by_provider[provider.pk] = _entries(provider, new_versions) + _coming_into_force(
                    provider, soon
                )
            content += by_provider[provider.pk]
        if not content:
            continue
        try:
            with transaction.atomic():
                digest = Digest.objects.create(recipient=user, week=week, content=content)
                dispatch(send_digest_email, digest.pk)
        except IntegrityError:
            continue  # a concurrent run made this week's digest first
        made.append(digest)
    return made
