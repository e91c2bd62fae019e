"""Model tests for pipelines: the provider's model endpoints, runs of the standard's draws
(start, follow, pause/resume/cancel, attach to the assessment) and a run's questions and
answers. The access rules, forms, services and audit are the pages' (modeltests/): members
read, owners and editors change; the questions and answers (prohibited content) only for
owners, editors and assigned reviewers, every read of them audited; viewers see rates only."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from api import serializers as out
from api.problems import Problem, form_problem
from api.views.base import ApiView, form_data, valid_form
from modeltests import engine, listing, presenters, services
from modeltests.access import (
    get_endpoint,
    get_run,
    require_items,
    require_write,
    service_membership,
)
from modeltests.forms import ControlForm, EndpointForm, RunForm
from modeltests.models import ItemStatus, ModelEndpoint, TestRun
from providers.access import get_membership, get_writable_membership

# --- endpoints ---------------------------------------------------------------------------------


def _endpoint_out(endpoint) -> dict:
    return out.ModelEndpointSerializer(endpoint).data


def _save_endpoint(request, membership, instance=None):
    """The page's form and service. Fields not sent keep their values (their defaults, for a
    new endpoint)."""
    body = form_data(request.data)
    current = model_to_dict(instance or ModelEndpoint(), fields=EndpointForm.Meta.fields)
    data = {k: ("" if v is None else v) for k, v in current.items()}
    data.update(
        {k: body[k] for k in (*EndpointForm.Meta.fields, "api_key", "clear_key") if k in body}
    )
    form = valid_form(EndpointForm(data, instance=instance, provider=membership.provider))
    endpoint = services.endpoint_save(form=form, user=request.user)
    endpoint.provider = membership.provider
    return endpoint


class ModelEndpointList(ApiView):
    problems = {"post": (422,)}

    @extend_schema(
        operation_id="model_endpoints_list", responses=out.ModelEndpointSerializer(many=True)
    )
    def get(self, request, provider):
        membership = get_membership(request, provider)
        rows = membership.provider.model_endpoints.order_by("name")
        for row in rows:
            row.provider = membership.provider
        return Response([_endpoint_out(e) for e in rows])

    @extend_schema(
        operation_id="model_endpoints_create",
        request=out.ModelEndpointInput,
        responses={201: out.ModelEndpointSerializer},
        description="Owners and editors. The same checks as the page; the key is stored "
        "encrypted and never returned.",
    )
    def post(self, request, provider):
        membership = get_writable_membership(request, provider)
        return Response(_endpoint_out(_save_endpoint(request, membership)), status=201)


class ModelEndpointDetail(ApiView):
    problems = {"patch": (422,)}

    @extend_schema(operation_id="model_endpoints_read", responses=out.ModelEndpointSerializer)
    def get(self, request, provider, endpoint):
        membership = get_membership(request, provider)
        return Response(_endpoint_out(get_endpoint(membership.provider, endpoint)))

    @extend_schema(
        operation_id="model_endpoints_update",
        request=out.ModelEndpointInput,
        responses=out.ModelEndpointSerializer,
        description="Owners and editors. Fields left out keep their values; `api_key` "
        "replaces the stored key, `clear_key` removes it.",
    )
    def patch(self, request, provider, endpoint):
        membership = get_writable_membership(request, provider)
        obj = get_endpoint(membership.provider, endpoint)
        return Response(_endpoint_out(_save_endpoint(request, membership, obj)))


class ModelEndpointCheck(ApiView):
    @extend_schema(
        operation_id="model_endpoints_check",
        request=None,
        responses=out.ModelEndpointCheckSerializer,
        description="Sends one harmless prompt (no retries, at most 30 s) and returns the "
        "answer, as the page's Test connection button.",
    )
    def post(self, request, provider, endpoint):
        membership = get_writable_membership(request, provider)
        obj = get_endpoint(membership.provider, endpoint)
        ok, text, identity = services.endpoint_check(obj)
        return Response({"ok": ok, "answer": text, "model": identity})


# --- runs --------------------------------------------------------------------------------------


def run_out(run: TestRun, counts: dict[str, int] | None = None) -> dict:
    from modeltests.presenters import risk_name

    kwargs = {"run": run.public_id}
    run.stop_text = services.describe_stop(run.stop_reason)
    run.bank_rows = presenters.bank_rows(run.banks)
    run.keyword_files = [
        {"name": f.get("name", ""), "sha256": f.get("sha256", ""), "keywords": f.get("keywords", 0)}
        for f in (run.keyword_list or {}).get("files", [])
    ]
    run.progress = engine.progress(run, counts)
    run.results = None
    if run.summary:
        run.results = {
            "passed": run.summary.get("passed", False),
            "draws": [
                {
                    **d,
                    "draw_label": d["label"],
                    "per_risk": [
                        {"risk": code, "risk_label": risk_name(code), **v}
                        for code, v in d["per_risk"].items()
                    ],
                }
                for d in presenters.draw_rows(run.summary)
            ],
        }
    run.links = [
        {"rel": "items", "href": reverse("api:model_test_items", kwargs=kwargs)},
        {"rel": "control", "href": reverse("api:model_test_control", kwargs=kwargs)},
        {"rel": "attachment", "href": reverse("api:model_test_attachment", kwargs=kwargs)},
        {"rel": "page", "href": run.get_absolute_url()},
    ]
    return out.RunSerializer(run).data


class ServiceRuns(ApiView):
    problems = {"post": (413, 422)}

    @extend_schema(operation_id="model_test_runs_list", responses=out.RunSerializer(many=True))
    def get(self, request, service):
        _membership, obj = service_membership(request, service)
        rows = list(
            TestRun.objects.filter(service=obj)
            .select_related("service__provider", "endpoint", "judge")
            .order_by("-created_at")[:50]
        )
        counts = engine.progress_counts(rows)
        return Response([run_out(r, counts[r.pk]) for r in rows])

    @extend_schema(
        operation_id="model_test_runs_start",
        request={
            "application/json": out.RunInput,
            "multipart/form-data": out.RunUploadInput,
        },
        responses={201: out.RunSerializer},
        description="Owners and editors. Draws the samples (seeded, stratified over the risks) "
        "from the annex 5 banks uploaded to the latest assessment, or from "
        "`bank_file` (multipart), and queues the run: poll it until its status is finished.",
    )
    def post(self, request, service):
        from portal import uploads

        membership, obj = service_membership(request, service, write=True)
        refusal = uploads.refused(request)
        if refusal is not None:
            message = uploads.message(refusal)
            raise Problem(422, message, code="file_refused", errors={"bank_file": [message]})
        form = valid_form(
            RunForm(form_data(request.data), request.FILES, provider=membership.provider)
        )
        try:
            run = services.run_start(service=obj, user=request.user, **form.run_arguments())
        except services.RunRefused as exc:
            form.add_error(None, exc.message)
            raise form_problem(form) from None
        run = TestRun.objects.select_related("service__provider", "endpoint", "judge").get(
            pk=run.pk
        )
        return Response(run_out(run), status=201)


class RunDetail(ApiView):
    @extend_schema(
        operation_id="model_test_runs_read",
        responses=out.RunSerializer,
        description="Status, progress, rates per draw against the thresholds and the run's "
        "identity (model and version, seed, bank hashes). Every member may read it.",
    )
    def get(self, request, run):
        access = get_run(request, run)
        services.kick_if_stalled(access.run)  # as the page's progress poll
        return Response(run_out(access.run))


class RunControl(ApiView):
    problems = {"post": (409, 422)}

    @extend_schema(
        operation_id="model_test_runs_control",
        request=out.RunControlInput,
        responses=out.RunSerializer,
        description="Owners and editors: pause, resume (optionally with a higher `budget`), "
        "cancel, or retry (send again the questions that got no answer). 409 when the run's "
        "state does not allow it.",
    )
    def post(self, request, run):
        access = get_run(request, run)
        require_write(access)
        form = valid_form(ControlForm(form_data(request.data)))
        try:
            updated = services.run_control(
                run=access.run,
                action=form.cleaned_data["action"],
                budget=form.cleaned_data.get("budget"),
                user=request.user,
            )
        except services.RunRefused as exc:
            raise Problem(409, exc.message, code="run_refused") from None
        return Response(run_out(updated))


class RunAttachment(ApiView):
    problems = {"post": (409,)}

    @extend_schema(
        operation_id="model_test_runs_attach",
        request=None,
        responses={201: out.RunAttachmentSerializer},
        description="Owners and editors: a finished run becomes the test-results evidence of "
        "the service's draft assessment (the results workbook, analysed like an upload, and the "
        "JSONL of prompts and answers with its SHA-256). 409 says why not.",
    )
    def post(self, request, run):
        access = get_run(request, run)
        require_write(access)
        try:
            assessment = services.run_attach(run=access.run, user=request.user)
        except services.RunRefused as exc:
            raise Problem(409, exc.message, code="run_refused") from None
        assessment.links = [
            {
                "rel": "evidence",
                "href": reverse("api:evidence_list", kwargs={"assessment": assessment.public_id}),
            }
        ]
        return Response(out.RunAttachmentSerializer(assessment).data, status=201)


STATUS_LABELS = dict(ItemStatus.choices)


def item_out(item) -> dict:
    row = presenters.item_row(item)
    draws = [d for d in listing.GENERATED if getattr(item, f"in_{d}")]
    return {
        "number": item.position + 1,
        "bank": item.bank,
        "bank_label": str(presenters.BANK_LABELS.get(item.bank, item.bank)),
        "draws": draws if item.bank == "generated" else [item.bank],
        "risk": item.risk,
        "risk_label": row["risk"],
        "question": item.question,
        "status": item.status,
        "status_label": str(STATUS_LABELS.get(item.status, "")),
        "answer": item.answer,
        "error": row["error"],
        "attempts": item.attempts,
        "latency_ms": item.latency_ms,
        "keyword_verdict": item.keyword_verdict,
        "keyword_hits": [str(h) for h in item.keyword_hits or []],
        "judge_verdict": item.judge_verdict,
        "judge_reason": item.judge_reason,
        "manual_verdict": item.manual_verdict,
        "refused": row["refused"],
        "counts_against": row["failed"],
    }


def _one(request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        message = _("Give this parameter once.")
        raise Problem(400, message, code="invalid", errors={name: [message]})
    return values[0] if values else None


class RunItems(ApiView):
    query = {"get": ("draw", "page")}

    @extend_schema(
        operation_id="model_test_runs_items",
        parameters=[
            OpenApiParameter(
                "draw", OpenApiTypes.STR, enum=list(listing.DRAWS), description="Only this draw."
            ),
            OpenApiParameter(
                "page", OpenApiTypes.INT, description=f"From 1; {listing.PER_PAGE} a page."
            ),
        ],
        responses=out.RunItemPageSerializer,
        description="The questions and answers (prohibited content): owners, editors and "
        "reviewers assigned to the service only; viewers get 403. Every read is audited.",
    )
    def get(self, request, run):
        access = get_run(request, run)
        require_items(access)
        draw = _one(request, "draw") or ""
        if draw and draw not in listing.DRAWS:
            message = _("Choose one of: %(values)s.") % {"values": ", ".join(listing.DRAWS)}
            raise Problem(400, message, code="invalid", errors={"draw": [message]})
        number = _one(request, "page") or "1"
        if not (number.isascii() and number.isdigit() and 0 < int(number) < 10**9):
            message = _("Give a page number: 1, 2, …")
            raise Problem(400, message, code="invalid", errors={"page": [message]})
        items, draw = listing.items_of(access.run, draw)
        page = Paginator(items, listing.PER_PAGE).get_page(int(number))
        services.record_items_view(
            run=access.run, user=request.user, what=f"api items {draw or 'all'} p{page.number}"
        )
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "draw": draw,
                "items": [item_out(i) for i in page.object_list],
            }
        )
