"""The notification e-mail: Chinese first, then English, in one message.

Who receives it is known, their language is not; compliance teams in China expect both. The
same templates render each half under `{% language %}` (templates/emails/notification-*).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from notifications.models import Notification
from notifications.services import absolute_link


def build_message(notification: Notification) -> EmailMultiAlternatives:
    assessment = notification.assessment
    context = {
        "notification": notification,
        "assessment": assessment,
        "service": assessment.service if assessment else None,
        "provider": assessment.service.provider if assessment else None,
        "actor": notification.actor,
        "link": absolute_link(notification),
        "list_link": settings.SITE_URL + reverse("notifications:list"),
    }
    subject = render_to_string("emails/notification-subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("emails/notification-body.txt", context),
        to=[notification.recipient.email],
    )
    message.attach_alternative(
        render_to_string("emails/notification-body.html", context), "text/html"
    )
    return message


def build_digest_message(digest) -> EmailMultiAlternatives:
    """The weekly digest, Chinese first, then English (templates/emails/digest-*)."""
    context = {
        "digest": digest,
        "versions": [e for e in digest.content if e.get("kind", "version") == "version"],
        "in_force": [e for e in digest.content if e.get("kind") == "in_force"],
        "list_link": settings.SITE_URL + reverse("notifications:list"),
    }
    subject = render_to_string("emails/digest-subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("emails/digest-body.txt", context),
        to=[digest.recipient.email],
    )
    message.attach_alternative(render_to_string("emails/digest-body.html", context), "text/html")
    return message
