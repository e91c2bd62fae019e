"""Background work of the providers app; tasks take ids, never model instances."""

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from providers.models import Invitation


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_email(invitation_id: int, link: str, language: str) -> None:
    """Mail the invitation link. SMTP hiccups retry with backoff; a withdrawn or already used
    invitation is not mailed."""
    invitation = (
        Invitation.objects.select_related("provider", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_pending:
        return
    context = {"invitation": invitation, "link": link, "days": _days()}
    with translation.override(language):
        subject = render_to_string("emails/invitation-subject.txt", context).strip()
        body = render_to_string("emails/invitation-body.txt", context)
        html = render_to_string("emails/invitation-body.html", context)
    send_mail(subject, body, None, [invitation.email], html_message=html)


def _days() -> int:
    from django.conf import settings

    return settings.INVITATION_MAX_AGE // 86400
