"""A reviewer's verdict on each answer of a submitted assessment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment
from library.models import Question


class Verdict(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    NEEDS_REVISION = "needs_revision", _("Needs revision")
    DOES_NOT_CONFORM = "does_not_conform", _("Does not conform")


class AnswerReview(models.Model):
    """One verdict per question per assessment version. On resubmission the verdicts of
    unchanged answers are carried over to the new version."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="answer_reviews",
        verbose_name=_("assessment"),
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question")
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    carried_over = models.BooleanField(_("kept from the previous version"), default=False)
    # Four-eyes review: a second reviewer confirms a verdict on a red line.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("answer review")
        verbose_name_plural = _("answer reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question"],
                name="reviews_one_verdict_per_answer",
                violation_error_message=_("This answer has a verdict already."),
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_by__isnull=True)
                | ~models.Q(confirmed_by=models.F("reviewer")),
                name="reviews_confirmed_by_another",
                violation_error_message=_("A second reviewer must confirm, not the first."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.question_id}: {self.verdict}"
