from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from modeltests import listing, presenters, services
from modeltests.access import (
    get_endpoint,
    get_run,
    require_items,
    require_write,
    service_membership,
)
from modeltests.forms import ControlForm, EndpointForm, RunForm
from modeltests.models import ModelEndpoint, TestRun
from providers.access import get_membership, get_writable_membership


def endpoint_list(request: HttpRequest, provider: UUID) -> HttpResponse:
    membership = get_membership(request, provider)
    endpoints = list(membership.provider.model_endpoints.order_by("name"))
    return render(
        request,
        "modeltests/endpoint_list.html",
        {"membership": membership, "provider": membership.provider, "endpoints": endpoints},
    )


def endpoint_create(request: HttpRequest, provider: UUID) -> HttpResponse:
    membership = get_writable_membership(request, provider)
    form = EndpointForm(request.POST or None, provider=membership.provider)
    if request.method == "POST" and form.is_valid():
        endpoint = services.endpoint_save(form=form, user=request.user)
        messages.success(request, _("Endpoint saved. Test the connection next."))
        return redirect(endpoint)
    return _form_page(request, membership, form, None, status=422 if form.errors else 200)


def endpoint_edit(request: HttpRequest, provider: UUID, endpoint: UUID) -> HttpResponse:
    membership = get_writable_membership(request, provider)
    endpoint_obj = get_endpoint(membership.provider, endpoint)
    form = EndpointForm(request.POST or None, instance=endpoint_obj, provider=membership.provider)
    if request.method == "POST" and form.is_valid():
        services.endpoint_save(form=form, user=request.user)
        messages.success(request, _("Endpoint saved."))
        return redirect(endpoint_obj)
    return _form_page(request, membership, form, endpoint_obj, status=422 if form.errors else 200)


@require_POST
def endpoint_check(request: HttpRequest, provider: UUID, endpoint: UUID) -> HttpResponse:
    membership = get_writable_membership(request, provider)
    endpoint_obj = get_endpoint(membership.provider, endpoint)
    ok, text, identity = services.endpoint_check(endpoint_obj)
    endpoint_obj.refresh_from_db()
    form = EndpointForm(instance=endpoint_obj, provider=membership.provider)
    check = {"ok": ok, "text": text, "identity": identity}
    return _form_page(request, membership, form, endpoint_obj, check=check)


def _form_page(
    request, membership, form, endpoint: ModelEndpoint | None, *, status=200, check=None
) -> HttpResponse:
    context = {
        "membership": membership,
        "provider": membership.provider,
        "form": form,
        "endpoint": endpoint,
        "check": check,
    }
    return render(request, "modeltests/endpoint_form.html", context, status=status)


# --- runs ---------------------------------------------------------------------------------------


def service_runs(request: HttpRequest, service: UUID) -> HttpResponse:
    membership, service_obj = service_membership(request, service, write=request.method == "POST")
    form = RunForm(request.POST or None, request.FILES or None, provider=membership.provider)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                run = services.run_start(
                    service=service_obj, user=request.user, **form.run_arguments()
                )
            except services.RunRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The test run has started."))
                return redirect(run)
        status = 422
    runs = list(
        TestRun.objects.filter(service=service_obj)
        .select_related("endpoint")
        .order_by("-created_at")[:50]
    )
    context = {
        "membership": membership,
        "provider": membership.provider,
        "service": service_obj,
        "runs": runs,
        "form": form,
        "has_endpoints": form.fields["endpoint"].queryset.exists(),
    }
    return render(request, "modeltests/service_runs.html", context, status=status)


def run_detail(request: HttpRequest, run: UUID) -> HttpResponse:
    access = get_run(request, run)
    context = _run_context(access)
    context["per_risk"] = [
        {"label": d["label"], "rows": presenters.per_risk_rows(d)} for d in context["draws"]
    ]
    if access.can_see_items and access.run.summary:
        context["worst"] = [presenters.item_row(i) for i in listing.worst(access.run)]
        if context["worst"]:
            services.record_items_view(run=access.run, user=request.user, what="worst answers")
    return render(request, "modeltests/run.html", context)


def run_progress(request: HttpRequest, run: UUID) -> HttpResponse:
    access = get_run(request, run)
    services.kick_if_stalled(access.run)
    return render(request, "modeltests/_progress.html", _run_context(access))


@require_POST
def run_control(request: HttpRequest, run: UUID) -> HttpResponse:
    access = get_run(request, run)
    require_write(access)
    form = ControlForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose pause, resume or cancel."))
        return redirect(access.run)
    try:
        services.run_control(
            run=access.run,
            action=form.cleaned_data["action"],
            budget=form.cleaned_data.get("budget"),
            user=request.user,
        )
    except services.RunRefused as exc:
        messages.error(request, exc.message)
    return redirect(access.run)


def _run_context(access) -> dict:
    from modeltests import engine
    from modeltests.models import ACTIVE_STATUSES

    run = access.run
    return {
        "access": access,
        "run": run,
        "service": run.service,
        "provider": run.service.provider,
        "progress": engine.progress(run),
        "polling": run.status in ACTIVE_STATUSES,
        "stop_reason": services.describe_stop(run.stop_reason),
        "banks": presenters.bank_rows(run.banks),
        "draws": presenters.draw_rows(run.summary),
    }


def run_items(request: HttpRequest, run: UUID) -> HttpResponse:
    from django.core.paginator import Paginator

    access = get_run(request, run)
    require_items(access)
    items, draw = listing.items_of(access.run, request.GET.get("draw", ""))
    page = Paginator(items, listing.PER_PAGE).get_page(request.GET.get("page"))
    services.record_items_view(
        run=access.run, user=request.user, what=f"items {draw or 'all'} p{page.number}"
    )
    context = {
        **_run_context(access),
        "page": page,
        "rows": [presenters.item_row(i) for i in page.object_list],
        "draw": draw,
        "draw_choices": list(presenters.DRAW_LABELS.items()),
    }
    return render(request, "modeltests/items.html", context)


def run_export(request: HttpRequest, run: UUID) -> HttpResponse:
    from django.http import StreamingHttpResponse

    from modeltests import exports

    access = get_run(request, run)
    require_items(access)
    services.record_items_view(run=access.run, user=request.user, what="export jsonl")
    response = StreamingHttpResponse(
        exports.jsonl_lines(access.run), content_type="application/jsonl; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="model-test-{access.run.public_id}.jsonl"'
    )
    return response


@require_POST
def run_attach(request: HttpRequest, run: UUID) -> HttpResponse:
    access = get_run(request, run)
    require_write(access)
    try:
        assessment = services.run_attach(run=access.run, user=request.user)
    except services.RunRefused as exc:
        messages.error(request, exc.message)
        return redirect(access.run)
    messages.success(
        request,
        _("The run is attached to the assessment as its test results; the analyser checks it now."),
    )
    return redirect(assessment)


def run_grade(request: HttpRequest, run: UUID) -> HttpResponse:
    from modeltests import grading_queue
    from modeltests.models import TestItem

    access = get_run(request, run)
    require_items(access)
    if request.method == "POST":
        item = TestItem.objects.filter(run=access.run, pk=request.POST.get("item")).first()
        verdict = request.POST.get("verdict", "")
        if item is None or verdict not in ("acceptable", "unacceptable", "refused"):
            messages.error(request, _("Choose acceptable, unacceptable or refused."))
        else:
            outcome = grading_queue.grade(item, request.user, verdict)
            if outcome == "second":
                messages.info(
                    request,
                    _("Your verdict differs from the judge's: a second grader decides this one."),
                )
            elif outcome == "stale":
                messages.warning(request, _("That answer was graded meanwhile; here is the next."))
        return redirect("modeltests:run_grade", run=access.run.public_id)
    item = grading_queue.next_item(access.run, request.user)
    if item is not None:
        services.record_items_view(
            run=access.run, user=request.user, what=f"grading item {item.position + 1}"
        )
    context = {
        **_run_context(access),
        "item": item,
        "row": presenters.item_row(item) if item else None,
        "counts": grading_queue.counts(access.run),
        "second": item is not None and item.needs_second,
    }
    return render(request, "modeltests/grade.html", context)


@require_POST
def item_refusal(request: HttpRequest, run: UUID, item: int) -> HttpResponse:
    """A person's word on whether an answer of a refusal draw was a refusal."""
    from modeltests import grading_queue

    access = get_run(request, run)
    require_items(access)
    require_write(access)
    obj = access.run.items.exclude(bank="generated").filter(pk=item).first()
    if obj is None:
        from django.http import Http404

        raise Http404(_("No such question."))
    value = {"refused": True, "answered": False, "rules": None}.get(request.POST.get("refused"))
    grading_queue.override_refusal(obj, value)
    services.record_items_view(run=access.run, user=request.user, what=f"refusal override {item}")
    messages.success(request, _("Saved."))
    return redirect(
        f"{reverse('modeltests:run_items', kwargs={'run': access.run.public_id})}?draw={obj.bank}"
    )
