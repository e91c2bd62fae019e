"""The upgrade preview and its confirmation, and undo (the logic is in assessments.upgrade)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import upgrade
from assessments.access import get_writable_assessment
from assessments.models import Answer
from assessments.presenters import answer_display


def preview(request: HttpRequest, assessment: UUID) -> HttpResponse:
    """GET: what would carry over, what is new or changed, what is kept only in the history.
    POST: do it."""
    obj, membership = get_writable_assessment(request, assessment)
    if request.method == "POST":
        try:
            moved = upgrade.upgrade_assessment(assessment=obj, user=request.user)
        except upgrade.UpgradeRefused as exc:
            messages.error(request, str(exc))
            return redirect(obj)
        messages.success(
            request,
            _(
                "The assessment now uses version %(version)s. New and changed questions are "
                "marked; you can undo the move until you save an answer."
            )
            % {"version": moved.questionnaire.version},
        )
        return redirect(moved)
    target = upgrade.newer_version(obj)
    refusal = upgrade.refusal(obj, target)
    context = {
        "assessment": obj,
        "membership": membership,
        "provider": membership.provider,
        "service": obj.service,
        "target": target,
        "refusal": refusal,
    }
    if refusal is None:
        plan = upgrade.plan_upgrade(obj, target)
        answers = {a.question_id: a for a in obj.answers.all()}
        profile = obj.service.profile()
        values = {q.code: answers[q.pk].value for q in plan.carried if q.pk in answers}
        applicable = plan.diff.new.applicable(profile, values)
        context.update(
            plan=plan,
            new_applicable=[c for c in plan.new if c.code in applicable],
            new_elsewhere=[c for c in plan.new if c.code not in applicable],
            dropped=[
                (q, removed, answer_display(q, answers.get(q.pk) or Answer(value=None, note="")))
                for q, removed in plan.dropped
            ],
        )
    return render(request, "assessments/upgrade.html", context)


@require_POST
def undo(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj, _membership = get_writable_assessment(request, assessment)
    try:
        back = upgrade.undo_upgrade(assessment=obj, user=request.user)
    except upgrade.UpgradeRefused as exc:
        messages.error(request, str(exc))
        return redirect(obj)
    messages.success(
        request,
        _("The move was undone: the assessment uses version %(version)s again, as before.")
        % {"version": back.questionnaire.version},
    )
    return redirect(back)
