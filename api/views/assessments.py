"""Assessments for pipelines: start a version, read and set answers (with the page's optimistic
revision), attach evidence and read its analysis, submit, revise, and read scores, filing
routes and pre-filing checks. Each write goes through assessments.services, like the page."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from api import serializers as out
from api.problems import Problem
from api.views.base import ApiView, form_data, valid_form
from api.views.providers import service_for
from assessments import filetypes, services
from assessments.access import (
    get_assessment,
    get_evidence,
    get_writable_assessment,
    lock_writable_assessment,
)
from assessments.downloads import evidence_response
from assessments.forms import AnswerForm, EvidenceForm
from assessments.models import Assessment, Status
from assessments.results import label_of
from assessments.scoring import CONCLUSION_LABELS, VERDICT_LABELS
from filing.checks import NOT_AUTOMATED, run_checks
from filing.facts import facts_for
from library.models import QuestionKind
from library.routes import filing_routes
from portal import uploads
from providers.scope import visible_providers

STATUS_FILTER = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=list(Status.values), description="Only this status."
)


class AssessmentList(ApiView):
    query = {"get": ("status", "service")}

    @extend_schema(
        operation_id="assessments_list",
        parameters=[
            STATUS_FILTER,
            OpenApiParameter("service", OpenApiTypes.UUID, description="Only this service."),
        ],
        responses=out.AssessmentSerializer(many=True),
    )
    def get(self, request):
        queryset = (
            Assessment.objects.filter(service__provider__in=visible_providers(request))
            .select_related("service__provider", "questionnaire", "previous")
            .order_by("-created_at")
        )
        if "status" in request.query_params:
            queryset = queryset.filter(status=_status(request.query_params["status"]))
        if "service" in request.query_params:
            queryset = queryset.filter(service__public_id=_uuid(request.query_params["service"]))
        return Response(out.AssessmentSerializer(queryset[:500], many=True).data)


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        message = _("Give the identifier as a UUID.")
        raise Problem(400, message, code="invalid", errors={"service": [message]}) from None


def _flag(request, name: str, *, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value not in ("true", "false"):
        message = _("Give true or false.")
        raise Problem(400, message, code="invalid", errors={name: [message]})
    return value == "true"


def _status(text: str) -> str:
    if text not in Status.values:
        message = _("Choose one of: %(values)s.") % {"values": ", ".join(Status.values)}
        raise Problem(400, message, code="invalid", errors={"status": [message]})
    return text


class ServiceAssessments(ApiView):
    problems = {"post": (422,)}

    @extend_schema(
        operation_id="services_assessments_list",
        responses=out.AssessmentSerializer(many=True),
    )
    def get(self, request, service):
        obj = service_for(request, service)
        rows = obj.assessments.select_related(
            "service__provider", "questionnaire", "previous"
        ).order_by("-created_at")
        return Response(out.AssessmentSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="services_assessments_start",
        request=None,
        responses={200: out.AssessmentSerializer, 201: out.AssessmentSerializer},
        description="The open assessment of the service (200), or a new draft of the latest "
        "questionnaire (201). After changes were requested, use /revision instead.",
    )
    def post(self, request, service):
        obj = service_for(request, service, write=True)
        try:
            assessment, created = services.assessment_start(service=obj, user=request.user)
        except services.Questionnaire.DoesNotExist as exc:
            raise Problem(422, str(exc), code="no_questionnaire") from None
        return Response(out.AssessmentSerializer(assessment).data, status=201 if created else 200)


class AssessmentDetail(ApiView):
    @extend_schema(operation_id="assessments_read", responses=out.AssessmentSerializer)
    def get(self, request, assessment):
        obj, _membership = get_assessment(request, assessment)
        return Response(out.AssessmentSerializer(obj).data)


# --- answers -----------------------------------------------------------------------------------

CLAUSE_DETAILS = (
    "na_reason",
    "nonconformity",
    "alternative_measure",
    "alternative_proof",
    "measures_taken",
    "remediation_plan",
    "remediation_due",
)


def answer_out(question, state, answer=None) -> dict:
    """`answer`: the question's Answer as just saved (an autosave's state holds its columns
    that progress and score read, not when it was saved)."""
    answer = answer or state.answers.get(question.code)
    details = {}
    if question.kind == QuestionKind.CLAUSE:
        for name in CLAUSE_DETAILS:
            value = getattr(answer, name, None) if answer is not None else None
            details[name] = value.isoformat() if hasattr(value, "isoformat") else (value or "")
    return {
        "question": question.code,
        # The version the question's text belongs to: sent back with a PUT, it keeps the answer
        # off another version's question of the same code (the assessment may move meanwhile).
        "questionnaire_version": state.catalogue.version,
        "domain": question.domain,
        "kind": question.kind,
        "text": question.text,
        "required": question.required,
        "evidence_required": question.evidence_required,
        "red_line": question.red_line,
        "applicable": question.code in state.applicable,
        "choices": [{"value": v, "label": label} for v, label in question.choice_options()],
        "value": answer.value if answer is not None else None,
        "note": answer.note if answer is not None else "",
        "details": details,
        "revision": answer.revision if answer is not None else 0,
        "complete": state.complete[question.code],
        "gaps": [
            {"field": f, "message": str(m)} for f, m in state.incomplete.get(question.code, [])
        ],
        "evidence": [e.public_id for e in state.evidence.get(question.code, [])],
        "updated_at": answer.updated_at if answer is not None else None,
    }


def _question(assessment, code: str):
    item = services.get_catalogue(assessment.questionnaire).by_code.get(code)
    if item is None:
        raise Http404(_("No such question."))
    return item


class AnswerList(ApiView):
    query = {"get": ("applicable",)}

    @extend_schema(
        operation_id="assessments_answers_list",
        parameters=[
            OpenApiParameter(
                "applicable",
                OpenApiTypes.BOOL,
                description="false: every question, also those that do not apply (default true).",
            )
        ],
        responses=out.AnswerSerializer(many=True),
    )
    def get(self, request, assessment):
        obj, _membership = get_assessment(request, assessment)
        state = services.load_state(obj)
        everything = _flag(request, "applicable", default=True) is False
        rows = [
            answer_out(q, state)
            for q in state.catalogue.questions
            if everything or q.code in state.applicable
        ]
        return Response(out.AnswerSerializer(rows, many=True).data)


def form_input(question, body) -> dict:
    """The JSON answer in the form's vocabulary: yes/no questions store true/false but the
    form (like the page) posts "yes"/"no"."""
    data = form_data(body)
    if question.kind == QuestionKind.YES_NO and isinstance(data.get("value"), bool):
        data = {**data, "value": "yes" if data["value"] else "no"}
    return data


class VersionForm(forms.Form):
    """The optional questionnaire version of a PUT or an upload, read as the pages' forms read
    numbers (so with their messages): a JSON number arrives as its text (form_data), a
    multipart field is text already."""

    questionnaire_version = forms.IntegerField(required=False, min_value=1)


def version_changed(exc: services.OtherVersion) -> Problem:
    """409 questionnaire_changed, with the version the locked row uses now (the client reads
    the question again under it: its code may be gone or worded otherwise)."""
    return Problem(409, str(exc), code="questionnaire_changed", questionnaire_version=exc.version)


class AnswerDetail(ApiView):
    problems = {"put": (409, 422)}

    @extend_schema(operation_id="assessments_answers_read", responses=out.AnswerSerializer)
    def get(self, request, assessment, question):
        obj, _membership = get_assessment(request, assessment)
        item = _question(obj, question)
        return Response(out.AnswerSerializer(answer_out(item, services.load_state(obj))).data)

    @extend_schema(
        operation_id="assessments_answers_update",
        request=out.AnswerInput,
        responses=out.AnswerSerializer,
        description="Replaces the answer. Send the revision you read: if someone saved since, "
        "the answer is not changed and 409 returns theirs (`current`). Send the "
        "`questionnaire_version` you read too: if the assessment has moved to another "
        "questionnaire version since (an upgrade, or its undo), the answer is not changed and "
        "409 `questionnaire_changed` returns the version it uses now (`questionnaire_version`): "
        "read the question again, its wording may have changed. Without `questionnaire_version` "
        "the answer goes to the question of this code in the version the assessment uses when "
        "the request arrives. Type errors are refused (422); missing details of a clause result "
        "are saved and listed in `gaps`.",
    )
    def put(self, request, assessment, question):
        try:
            # As the page's autosave: the access check, the row lock and the save in one
            # transaction, so the version is compared on the locked row (an upgrade takes the
            # same lock) and a refusal rolls it all back.
            with transaction.atomic():
                obj, _membership = lock_writable_assessment(request, assessment)
                # After the access check (outsiders get 404, read-only members 403, whatever
                # they send), before the question is looked up: under another version its code
                # may be gone (404) or mean another question.
                sent = valid_form(VersionForm(form_data(request.data))).cleaned_data
                services.ensure_read_version(obj, sent["questionnaire_version"])
                item = _question(obj, question)
                form = valid_form(AnswerForm(form_input(item, request.data), question=item))
                answer, state = services.answer_save(
                    assessment=obj, question=item, form=form, user=request.user, locked=True
                )
        except services.Conflict:
            current = answer_out(item, services.load_state(obj))
            raise Problem(
                409,
                _("Not saved: someone else changed this answer."),
                code="conflict",
                current=out.AnswerSerializer(current).data,
            ) from None
        except services.OtherVersion as exc:
            raise version_changed(exc) from None
        except services.NotEditable as exc:
            raise Problem(409, str(exc), code="not_editable") from None
        return Response(out.AnswerSerializer(answer_out(item, state, answer)).data)


# --- evidence ----------------------------------------------------------------------------------


def evidence_out(assessment, evidence, catalogue) -> dict:
    analysis = getattr(evidence, "analysis", None)
    if analysis is not None:
        analysis.error = analysis.error_en if _en() else analysis.error_zh
    return {
        "public_id": evidence.public_id,
        "question": catalogue.by_pk[evidence.question_id].code,
        "name": evidence.name,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "observed_on": evidence.observed_on,
        "note": evidence.note,
        "uploaded_at": evidence.uploaded_at,
        "analysis": analysis,
        "download": reverse(
            "api:evidence_content",
            kwargs={"assessment": assessment.public_id, "evidence": evidence.public_id},
        ),
    }


def _en() -> bool:
    from library.i18n import text_language

    return text_language() == "en"


class EvidenceList(ApiView):
    @extend_schema(
        operation_id="assessments_evidence_list", responses=out.EvidenceSerializer(many=True)
    )
    def get(self, request, assessment):
        obj, _membership = get_assessment(request, assessment)
        catalogue = services.get_catalogue(obj.questionnaire)
        items = obj.evidence.select_related("analysis").order_by("uploaded_at", "pk")
        rows = [evidence_out(obj, e, catalogue) for e in items]
        return Response(out.EvidenceSerializer(rows, many=True).data)


class EvidenceUpload(ApiView):
    problems = {"post": (409, 413, 422)}

    @extend_schema(
        operation_id="assessments_evidence_upload",
        request={"multipart/form-data": out.EvidenceInput},
        responses={201: out.EvidenceSerializer},
        description="Attach a file to a question: the same type (by content) and size checks "
        "as the page. Send the `questionnaire_version` you read the question under: if the "
        "assessment has moved to another questionnaire version since (an upgrade, or its "
        "undo), nothing is stored and 409 `questionnaire_changed` returns the version it uses "
        "now (`questionnaire_version`): read the question again. Without it the file goes to "
        "the question of this code in the version the assessment uses when the request "
        "arrives; a move while the upload is under way is refused the same way. Files with an "
        "analyser (keyword lists, test banks ...) are analysed in the background: poll the "
        "evidence until `analysis.status` is not pending.",
    )
    def post(self, request, assessment, question):
        obj, _membership = get_writable_assessment(request, assessment)
        # The size refusal first: a body stopped at the limit lost the fields after its file,
        # the version among them.
        refusal = uploads.refused(request)
        if refusal is not None:
            message = uploads.message(refusal)
            raise Problem(422, message, code="file_refused", errors={"file": [message]})
        sent = valid_form(VersionForm(form_data(request.data))).cleaned_data
        try:
            # Against the row as read above, before the file is read; under the row lock the
            # service then refuses the question looked up here if the row moved meanwhile
            # (OtherVersion too), so the upload lands on the version the client read or on none.
            # Before the question is looked up: under another version its code may be gone.
            services.ensure_read_version(obj, sent["questionnaire_version"])
            item = _question(obj, question)
            form = valid_form(EvidenceForm(form_data(request.data), request.FILES))
            evidence, state = services.evidence_add(
                assessment=obj,
                question=item,
                upload=form.cleaned_data["file"],
                observed_on=form.cleaned_data["observed_on"],
                note=form.cleaned_data["note"],
                user=request.user,
                max_bytes=settings.EVIDENCE_MAX_BYTES,
            )
        except services.OtherVersion as exc:
            raise version_changed(exc) from None
        except services.NotEditable as exc:
            raise Problem(409, str(exc), code="not_editable") from None
        except (filetypes.FileRefused, ValidationError) as exc:
            message = str(exc.args[0] if exc.args else exc)
            raise Problem(422, message, code="file_refused", errors={"file": [message]}) from None
        evidence.refresh_from_db()
        row = evidence_out(obj, evidence, state.catalogue)
        return Response(out.EvidenceSerializer(row).data, status=201)


class EvidenceDetail(ApiView):
    problems = {"delete": (409,)}

    @extend_schema(operation_id="assessments_evidence_read", responses=out.EvidenceSerializer)
    def get(self, request, assessment, evidence):
        obj, _membership = get_assessment(request, assessment)
        item = get_evidence(obj, evidence)
        row = evidence_out(obj, item, services.get_catalogue(obj.questionnaire))
        return Response(out.EvidenceSerializer(row).data)

    @extend_schema(operation_id="assessments_evidence_delete", responses={204: None})
    def delete(self, request, assessment, evidence):
        obj, _membership = get_writable_assessment(request, assessment)
        item = get_evidence(obj, evidence)
        try:
            services.evidence_delete(evidence=item, user=request.user)
        except services.NotEditable as exc:
            raise Problem(409, str(exc), code="not_editable") from None
        return Response(status=204)


class EvidenceContent(ApiView):
    @extend_schema(
        operation_id="assessments_evidence_download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, assessment, evidence):
        obj, _membership = get_assessment(request, assessment)
        return evidence_response(get_evidence(obj, evidence), request=request)


class EvidenceAnalysis(ApiView):
    @extend_schema(operation_id="assessments_evidence_analysis", responses=out.AnalysisSerializer)
    def get(self, request, assessment, evidence):
        obj, _membership = get_assessment(request, assessment)
        analysis = getattr(get_evidence(obj, evidence), "analysis", None)
        if analysis is None:
            raise Http404(_("This file is not analysed."))
        analysis.error = analysis.error_en if _en() else analysis.error_zh
        return Response(out.AnalysisSerializer(analysis).data)


# --- submission, revision ----------------------------------------------------------------------


def _missing(missing) -> list[dict]:
    return [{"question": q.code, "text": q.text, "reason": str(reason)} for q, reason in missing]


class Submission(ApiView):
    problems = {"post": (409, 422)}

    @extend_schema(
        operation_id="assessments_submission_read",
        responses=out.SubmissionSerializer,
        description="What is still missing before the assessment can be submitted.",
    )
    def get(self, request, assessment):
        obj, _membership = get_assessment(request, assessment)
        missing = (
            services.missing_for_submission(services.load_state(obj)) if obj.is_editable else []
        )
        return Response(
            out.SubmissionSerializer(
                {
                    "status": obj.status,
                    "ready": obj.is_editable and not missing,
                    "missing": _missing(missing),
                }
            ).data
        )

    @extend_schema(
        operation_id="assessments_submit",
        request=None,
        responses=out.AssessmentSerializer,
        description="Freeze the answers for review. 422 lists what is missing (`missing`).",
    )
    def post(self, request, assessment):
        obj, _membership = get_writable_assessment(request, assessment)
        try:
            obj = services.assessment_submit(assessment=obj, user=request.user)
        except services.SubmissionIncomplete as exc:
            raise Problem(
                422,
                _("Some answers are still missing; see the list below."),
                code="incomplete",
                missing=_missing(exc.missing),
            ) from None
        except services.NotEditable as exc:
            raise Problem(409, str(exc), code="not_editable") from None
        obj, _membership = get_assessment(request, obj.public_id)
        return Response(out.AssessmentSerializer(obj).data)


class Revision(ApiView):
    problems = {"post": (409,)}

    @extend_schema(
        operation_id="assessments_revise",
        request=None,
        responses={201: out.AssessmentSerializer},
        description="A new draft version of an assessment returned for changes.",
    )
    def post(self, request, assessment):
        obj, _membership = get_writable_assessment(request, assessment)
        try:
            draft = services.assessment_revise(assessment=obj, user=request.user)
        except services.NotEditable as exc:
            raise Problem(409, str(exc), code="not_editable") from None
        draft, _membership = get_assessment(request, draft.public_id)
        return Response(out.AssessmentSerializer(draft).data, status=201)


# --- results -----------------------------------------------------------------------------------


class Score(ApiView):
    @extend_schema(operation_id="assessments_score", responses=out.ScoreSerializer)
    def get(self, request, assessment):
        obj, _membership = get_assessment(request, assessment)
        score = obj.self_score or {}
        verdict, conclusion = score.get("verdict"), score.get("conclusion")
        return Response(
            out.ScoreSerializer(
                {
                    "verdict": verdict,
                    "verdict_label": label_of(VERDICT_LABELS, verdict),
                    "conclusion": conclusion,
                    "conclusion_label": label_of(CONCLUSION_LABELS, conclusion),
                    "overall": score.get("overall"),
                    "advisory": score.get("advisory"),
                    "failed_red_lines": obj.failed_red_lines,
                    "self_score": obj.self_score,
                    "reviewed_score": obj.reviewed_score,
                }
            ).data
        )


class Routes(ApiView):
    @extend_schema(
        operation_id="assessments_filing_routes", responses=out.RouteSerializer(many=True)
    )
    def get(self, request, assessment):
        obj, _membership = get_assessment(request, assessment)
        routes = filing_routes(
            obj.questionnaire,
            profile=obj.service.profile(),
            answers=services.load_state(obj).values,
        )
        return Response(out.RouteSerializer(routes, many=True).data)


def checks_out(assessment) -> dict:
    report = run_checks(facts_for(assessment))
    results = [r for group in report.by_area() for r in group["results"]]
    return {
        "ready": report.ready,
        "counts": {status: report.count(status) for status in ("pass", "warn", "block")},
        "checks": [
            {
                "code": r.code,
                "area": r.area,
                "status": r.status,
                "title": r.title,
                "why": r.why,
                "fix": r.fix,
                "source": r.source,
                "links": [{"kind": k.kind, "ref": k.ref, "label": k.label} for k in r.links],
            }
            for r in results
        ],
        "not_checked": [f"{spec.code} {spec.title}" for spec in report.not_checked],
        "manual": [en if _en() else zh for _ref, zh, en in NOT_AUTOMATED],
    }


class Checks(ApiView):
    @extend_schema(
        operation_id="assessments_checks",
        responses=out.ChecksSerializer,
        description="The pre-filing checks, as on the checks page.",
    )
    def get(self, request, assessment):
        obj, _membership = get_assessment(request, assessment)
        return Response(out.ChecksSerializer(checks_out(obj)).data)
