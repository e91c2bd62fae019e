"""A reviewer who becomes a member of a provider loses their claims on its assessments, however
the membership comes about (invitation, the members page, the admin)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from providers.models import Membership


@receiver(post_save, sender=Membership, dispatch_uid="reviews_release_conflicting_claims")
def release_claims_on_joining(sender, instance: Membership, created: bool, raw=False, **kwargs):
    if raw or not created:
        return
    from reviews.services import release_conflicting_claims

    with transaction.atomic():
        release_conflicting_claims(instance)
