"""Writes of the model-test app: endpoints, runs and their state changes, with audit events."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import record, record_read
from library.i18n import text_language
from library.layouts import get_layout
from modeltests.clients import PING, ChatClient, EndpointConfig, EndpointError
from modeltests.crypto import KeyUnreadable
from modeltests.models import ModelEndpoint

# Fields whose change is worth an audit line (never the key: only that it changed).
_AUDITED = (
    "name",
    "kind",
    "base_url",
    "model_name",
    "concurrency",
    "rate_per_second",
    "timeout_seconds",
    "max_retries",
)


def endpoint_save(*, form, user) -> ModelEndpoint:
    endpoint: ModelEndpoint = form.instance
    before = {}
    if endpoint.pk:
        old = ModelEndpoint.objects.get(pk=endpoint.pk)
        before = {f: getattr(old, f) for f in _AUDITED}
    key = form.cleaned_data.get("api_key") or ""
    key_changed = False
    if form.cleaned_data.get("clear_key"):
        endpoint.api_key_encrypted = ""
        key_changed = True
    elif key:
        endpoint.set_api_key(key)
        key_changed = True
    with transaction.atomic():
        if not endpoint.pk:
            endpoint.provider = form.provider
            endpoint.created_by = user
        endpoint.save()
        after = {f: getattr(endpoint, f) for f in _AUDITED}
        changed_before = {k: v for k, v in before.items() if after.get(k) != v}
        changed_after = {k: after[k] for k in (changed_before if before else after)}
        if key_changed:
            changed_before["api_key"] = "…" if before else None
            changed_after["api_key"] = "changed" if endpoint.has_key else "removed"
        record(
            Action.MODEL_ENDPOINT_CHANGED,
            actor=user,
            provider=endpoint.provider,
            obj=endpoint,
            summary=endpoint.name,
            before=changed_before or None,
            after=changed_after or None,
        )
    return endpoint


def endpoint_check(endpoint: ModelEndpoint) -> tuple[bool, str, str]:
    """Send the one harmless prompt; (ok, answer or error, model name and version)."""
    try:
        config = EndpointConfig.of(endpoint)
    except KeyUnreadable:
        return False, _("The stored API key cannot be decrypted: enter it again."), ""
    # One attempt, short timeout: a button press should not hang for minutes.
    config = EndpointConfig(
        **{**config.__dict__, "max_retries": 0, "timeout": min(config.timeout, 30.0)}
    )
    try:
        with ChatClient(config) as client:
            reply = client.ask(PING)
    except EndpointError as exc:
        ok, text, identity = False, describe_error(str(exc)), ""
    else:
        ok, text = True, reply.text[:2000]
        identity = " · ".join(x for x in (reply.model, reply.version) if x)
    ModelEndpoint.objects.filter(pk=endpoint.pk).update(
        last_check_at=timezone.now(), last_check_ok=ok
    )
    return ok, text, identity


def describe_error(error: str) -> str:
    """An endpoint error (as stored on an item) in the reader's language."""
    status = re.fullmatch(r"HTTP (\d{3})", error or "")
    if status:
        return _("The endpoint answered with HTTP status %(code)s.") % {"code": status.group(1)}
    if error == "timeout":
        return _("The endpoint did not answer in time.")
    if error == "connection failed":
        return _("The endpoint could not be reached.")
    if error == "budget":
        return _("Not sent: the request budget was spent.")
    known = {
        "the response is not JSON": _("The endpoint's answer is not JSON (or not UTF-8)."),
        "the response is too large": _(
            "The endpoint's answer is larger than 8 MB and was not read."
        ),
        "the response is compressed": _(
            "The endpoint's answer is compressed in a form the portal does not read (it asks "
            "for an uncompressed answer)."
        ),
        "the answer is not text": _("The endpoint's answer holds no text where it should."),
        "no answer in the response": _("The endpoint's answer holds no text where it should."),
    }
    if error in known:
        return known[error]
    return _("The endpoint's answer could not be read (%(detail)s).") % {"detail": error}


# --- runs ---------------------------------------------------------------------------------------


class RunRefused(Exception):
    """A run cannot start; `message` says why in the reader's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def run_start(*, service, endpoint, judge, sizes, budget, seed, bank_files, user):
    """Draw the samples and queue the run. `bank_files` None: the latest assessment's uploads."""
    from analysers import AnalyserError
    from modeltests import banks as bank_io
    from modeltests import engine
    from modeltests.tasks import advance_run

    assessment = bank_io.latest_assessment(service)
    uploaded_banks, keyword_files = bank_io.assessment_files(assessment)
    files = bank_files if bank_files else uploaded_banks
    if not files:
        raise RunRefused(_("Upload the test banks for annex 5 first, or choose a file."))
    try:
        banks = bank_io.read_banks(files)
        keywords, keyword_sources = (
            bank_io.read_keywords(keyword_files) if keyword_files else ([], [])
        )
    except AnalyserError as exc:
        raise RunRefused(exc.zh if text_language() == "zh" else exc.en) from None
    if sizes.get("keyword") and not keywords:
        raise RunRefused(
            _("The keyword draw needs the annex 4 keyword list: upload it, or draw 0.")
        )
    if sizes.get("classifier") and judge is None:
        raise RunRefused(_("The classifier draw needs a judge endpoint: choose one, or draw 0."))
    with transaction.atomic():
        run = engine.create_run(
            service=service,
            endpoint=endpoint,
            judge=judge,
            banks=banks,
            sizes=sizes,
            budget=budget,
            keyword_sources=keyword_sources,
            seed=seed,
            user=user,
        )
        if not run.items.exists():
            raise RunRefused(_("The banks hold no question for the draws chosen."))
        record(
            Action.MODEL_TEST_STARTED,
            actor=user,
            provider=service.provider,
            obj=run,
            summary=f"{service.name} · {endpoint.name}",
            after={"seed": run.seed, "sizes": run.sizes, "budget": budget},
        )
        advance_run.delay_on_commit(run.pk)
    return run


def run_control(*, run, action: str, user, budget: int | None = None):
    """Pause, resume or cancel; resuming may raise the budget."""
    from modeltests.models import ItemStatus, RunStatus, TestRun
    from modeltests.tasks import advance_run

    allowed = {
        "retry": ((RunStatus.FINISHED, RunStatus.PAUSED), RunStatus.QUEUED),
        "pause": ((RunStatus.QUEUED, RunStatus.RUNNING), RunStatus.PAUSED),
        "resume": ((RunStatus.PAUSED,), RunStatus.QUEUED),
        "cancel": ((RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED), RunStatus.CANCELLED),
    }
    if action not in allowed:
        raise RunRefused(_("Unknown action."))
    sources, target = allowed[action]
    changes = {"status": target}
    if action == "retry":
        changes.update(stop_reason="", finished_at=None)
    if action == "resume":
        changes["stop_reason"] = ""
        if budget is not None:
            if budget <= run.requests_used:
                raise RunRefused(_("The new budget must exceed the requests already sent."))
            changes["request_budget"] = budget
        elif run.requests_used >= run.request_budget:
            raise RunRefused(_("The request budget is spent: raise it to resume."))
    if action == "cancel":
        changes["finished_at"] = timezone.now()
    with transaction.atomic():
        updated = TestRun.objects.filter(pk=run.pk, status__in=sources).update(**changes)
        if not updated:
            raise RunRefused(_("The run has moved on meanwhile; the page shows its state now."))
        if action == "retry":
            # Questions that got no answer go out again; answered ones never do.
            retried = run.items.filter(status=ItemStatus.ERROR).update(
                status=ItemStatus.PENDING, error=""
            )
            if not retried:
                raise RunRefused(_("No question of this run is without an answer."))
        record(
            Action.MODEL_TEST_CONTROLLED,
            actor=user,
            provider=run.service.provider,
            obj=run,
            summary=action,
            before={"status": run.status},
            after={"status": target},
        )
        if action in ("resume", "retry"):
            advance_run.delay_on_commit(run.pk)
    run.refresh_from_db()
    return run


def kick_if_stalled(run) -> bool:
    """A run whose worker died (no heartbeat for the lease time) is queued again; the lease
    makes a second worker on the same run impossible."""
    from modeltests import engine
    from modeltests.tasks import advance_run

    if engine.is_stalled(run):
        advance_run.delay(run.pk)
        return True
    return False


def describe_stop(reason: str) -> str:
    if reason == "budget":
        return _("The request budget is spent. Raise it to resume.")
    if reason == "key":
        return _(
            "The endpoint's stored API key cannot be decrypted (the encryption key changed): "
            "enter the API key again on the endpoint and start a new run."
        )
    return ""


def run_attach(*, run, user):
    """The finished run as evidence for the test-results question (TC260-003 §9.3, §9.4,
    a layout role) of the service's open
    draft: the full JSONL (kept beside, not analysed) and the results workbook, which the
    results analyser checks like an upload. Returns the assessment.

    The question is looked up under the assessment's row lock, which a move to another
    questionnaire version (assessments.upgrade) holds too: the run lands on the version the
    row uses once locked. The client names no question, so a move is no reason to refuse;
    what can still refuse (the draft was submitted meanwhile, the version has no such
    question) is a RunRefused, before anything is written."""

    from assessments.filetypes import FileRefused
    from assessments.models import Status
    from assessments.services import NotEditable
    from modeltests import exports
    from modeltests.models import RunStatus

    if run.status != RunStatus.FINISHED:
        raise RunRefused(_("Only a finished run can be attached."))
    assessment = run.service.assessments.filter(status=Status.DRAFT).order_by("-created_at").first()
    if assessment is None:
        raise RunRefused(
            _("The service has no draft self-assessment: start one (or revise) to attach the run.")
        )
    # The files first, outside the lock: building them reads every item of the run.
    stamp = timezone.localtime(run.finished_at).strftime("%Y%m%d-%H%M")
    jsonl, jsonl_sha = exports.jsonl_file(run)
    workbook = exports.results_workbook(run, jsonl_sha)
    try:
        return _attach(run, user, assessment.pk, jsonl, jsonl_sha, workbook, stamp)
    except (FileRefused, NotEditable) as exc:
        # NotEditable: submitted since the draft was found above (OtherVersion, a subclass,
        # cannot happen: the question is the locked row's).
        raise RunRefused(str(exc)) from None


def _attach(run, user, assessment_pk, jsonl, jsonl_sha, workbook, stamp):
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.services import NewFile, evidence_add_many, get_catalogue, lock_assessment

    with transaction.atomic():
        assessment = lock_assessment(assessment_pk)
        if not assessment.is_editable:
            raise RunRefused(_("This assessment is submitted and can no longer be changed."))
        results = get_layout(assessment.questionnaire).code("banks.test_results")
        question = get_catalogue(assessment.questionnaire).by_code.get(results)
        if question is None:
            raise RunRefused(_("This questionnaire has no question for the test results."))
        # Both files stored before either audit event: the chain's lock, taken by the first
        # record(), is held to the commit and holds up every audited write of the portal.
        [_jsonl, evidence], _state = evidence_add_many(
            assessment=assessment,
            files=[
                NewFile(
                    question,
                    SimpleUploadedFile(f"模型测试问答记录-{stamp}.jsonl", jsonl.read()),
                    note=f"模型测试完整问答记录 · SHA-256 {jsonl_sha}",
                    analyse=False,
                ),
                NewFile(
                    question,
                    SimpleUploadedFile(f"模型测试结果-{stamp}.xlsx", workbook),
                    note=f"模型测试 {run.public_id} · 种子 {run.seed}",
                ),
            ],
            user=user,
            max_bytes=settings.ANALYSER_MAX_BYTES,
        )
        record(
            Action.MODEL_TEST_ATTACHED,
            actor=user,
            provider=run.service.provider,
            obj=run,
            assessment=assessment,
            summary=evidence.name,
            after={"evidence": str(evidence.public_id), "jsonl_sha256": jsonl_sha},
        )
    return assessment


def record_items_view(*, run, user, what: str) -> None:
    """Every view of the questions and answers is audited (they hold prohibited content); the
    view does not wait for the audit chain's lock behind a long audited write (record_read)."""
    record_read(
        Action.MODEL_TEST_ITEMS_VIEWED,
        actor=user,
        provider=run.service.provider,
        obj=run,
        summary=what,
    )
