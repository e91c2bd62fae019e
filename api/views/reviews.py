"""The review area for reviewers' programs: the queue, a submission, claim, verdicts and the
decision, through reviews.services with the page's forms (a session or a review token)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from api import serializers as out
from api.problems import Problem, validation_problem
from api.views.base import ApiView, form_data, valid_form
from assessments.downloads import evidence_response
from assessments.models import Status
from library.catalogue import get_catalogue
from reviews import services
from reviews.access import check_reviewer, get_reviewable
from reviews.forms import DecisionForm, VerdictForm
from reviews.models import Verdict
from reviews.queue import Filters, queue_for

QUEUE_STATUSES = ["open", "all", *[s for s in Status.values if s != Status.DRAFT]]
ASSIGNEES = ["any", "me", "unassigned"]


def _choice(request, name: str, choices: list[str], default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in choices:
        message = _("Choose one of: %(values)s.") % {"values": ", ".join(choices)}
        raise Problem(400, message, code="invalid", errors={name: [message]})
    return value


class ReviewList(ApiView):
    query = {"get": ("status", "assignee")}

    @extend_schema(
        operation_id="reviews_list",
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=QUEUE_STATUSES,
                description="open (the default: submitted or in review), all, or one status.",
            ),
            OpenApiParameter("assignee", OpenApiTypes.STR, enum=ASSIGNEES),
        ],
        responses=out.ReviewSerializer(many=True),
    )
    def get(self, request):
        check_reviewer(request)
        filters = Filters(
            status=_choice(request, "status", QUEUE_STATUSES, "open"),
            assignee=_choice(request, "assignee", ASSIGNEES, "any"),
        )
        rows = queue_for(request.user, filters)[:200]
        return Response(out.ReviewSerializer(rows, many=True).data)


def _verdicts(assessment) -> list[dict]:
    catalogue = get_catalogue(assessment.questionnaire)
    return [
        {
            "question": catalogue.by_pk[r.question_id].code,
            "verdict": r.verdict,
            "verdict_label": str(Verdict(r.verdict).label),
            "comment": r.comment,
            "reviewer": r.reviewer.email if r.reviewer_id else None,
            "carried_over": r.carried_over,
            "confirmed_by": r.confirmed_by.email if r.confirmed_by_id else None,
        }
        for r in assessment.answer_reviews.select_related("reviewer", "confirmed_by")
        if r.question_id in catalogue.by_pk
    ]


class ReviewDetail(ApiView):
    @extend_schema(operation_id="reviews_read", responses=out.ReviewDetailSerializer)
    def get(self, request, assessment):
        check_reviewer(request)
        obj = get_reviewable(request, assessment)
        obj.verdicts = _verdicts(obj)
        obj.blockers = [str(b) for b in services.approval_blockers(obj)]
        return Response(out.ReviewDetailSerializer(obj).data)


INPUT_CODES = ("verdict", "comment", "text")


def _refusal(exc: ValidationError) -> Problem:
    """A service's refusal: bad input (422), or a state that does not allow it (409: not in
    review, claimed by another, approval blocked by missing verdicts or failing red lines)."""
    code = getattr(exc, "code", None)
    if code in INPUT_CODES:
        return validation_problem(exc)
    return Problem(409, " ".join(exc.messages), code=code or "blocked", errors={"": exc.messages})


class ReviewClaim(ApiView):
    problems = {"post": (409,)}

    @extend_schema(operation_id="reviews_claim", request=None, responses=out.ReviewSerializer)
    def post(self, request, assessment):
        check_reviewer(request)
        obj = get_reviewable(request, assessment)
        try:
            obj = services.assessment_claim(assessment=obj, reviewer=request.user)
        except ValidationError as exc:
            raise _refusal(exc) from None
        return Response(out.ReviewSerializer(get_reviewable(request, obj.public_id)).data)


class ReviewVerdict(ApiView):
    problems = {"put": (409, 422)}

    @extend_schema(
        operation_id="reviews_verdict",
        request=out.VerdictInput,
        responses=out.VerdictSerializer,
        description="The assigned reviewer's verdict on one answer; a comment is required "
        "unless it is accepted.",
    )
    def put(self, request, assessment, question):
        check_reviewer(request)
        obj = get_reviewable(request, assessment)
        item = get_catalogue(obj.questionnaire).by_code.get(question)
        if item is None:
            raise Http404(_("No such question."))
        form = valid_form(VerdictForm(form_data(request.data)))
        try:
            review, score = services.verdict_set(
                assessment=obj, question=item, reviewer=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            raise _refusal(exc) from None
        return Response(
            out.VerdictSerializer(
                {
                    "question": item.code,
                    "verdict": review.verdict,
                    "verdict_label": str(Verdict(review.verdict).label),
                    "comment": review.comment,
                    "reviewer": request.user.email,
                    "reviewed_score": score.to_json(),
                }
            ).data
        )


DECISIONS = {
    "request_changes": (services.request_changes, "summary"),
    "approve": (services.approve, "opinion"),
    "reject": (services.reject, "opinion"),
}


class ReviewDecision(ApiView):
    problems = {"post": (409, 422)}

    @extend_schema(
        operation_id="reviews_decide",
        request=out.DecisionInput,
        responses=out.ReviewSerializer,
        description="Request changes, approve or reject, with the opinion. Approval is "
        "refused (409) while answers lack verdicts or red lines fail, and while pre-filing "
        "checks block filing unless acknowledge_blocks is true.",
    )
    def post(self, request, assessment):
        check_reviewer(request)
        obj = get_reviewable(request, assessment)
        body = form_data(request.data)
        decision = body.get("decision")
        if decision not in DECISIONS:
            raise Problem(
                422,
                _("Choose a decision: request_changes, approve or reject."),
                code="invalid",
                errors={"decision": [_("Choose a decision: request_changes, approve or reject.")]},
            )
        form = valid_form(DecisionForm(body))
        action, argument = DECISIONS[decision]
        extra = {}
        if decision == "approve":
            extra["acknowledge_blocks"] = form.cleaned_data["acknowledge_blocks"]
        try:
            obj = action(
                assessment=obj,
                reviewer=request.user,
                **{argument: form.cleaned_data["text"]},
                **extra,
            )
        except ValidationError as exc:
            raise _refusal(exc) from None
        return Response(out.ReviewSerializer(get_reviewable(request, obj.public_id)).data)


class ReviewEvidence(ApiView):
    @extend_schema(
        operation_id="reviews_evidence_download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, assessment, evidence):
        check_reviewer(request)
        obj = get_reviewable(request, assessment)
        item = obj.evidence.filter(public_id=evidence).first()
        if item is None:
            raise Http404(_("No such file."))
        return evidence_response(item, request=request)
