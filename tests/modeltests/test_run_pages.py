"""Starting a run from the page and the command; the run page with its progress."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.services import assessment_start
from audit.models import Action, AuditEvent
from modeltests.models import RunStatus, TestRun
from tests import factories
from tests.modeltests import files
from tests.modeltests.conftest import SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploaded(service, editor):
    """The banks and the keyword list uploaded to the service's assessment."""
    assessment, _ = assessment_start(service=service, user=editor)
    factories.attach(
        assessment, "CS-23", editor, name="附件5.csv", content=files.annex5(leaks=3), analyse=False
    )
    factories.attach(
        assessment, "CS-18", editor, name="附件4.csv", content=files.annex4(), analyse=False
    )
    return assessment


@pytest.fixture(autouse=True)
def _commit_callbacks(django_capture_on_commit_callbacks):
    """Tasks queued on commit run (eagerly) when the view's transaction would commit."""
    global _on_commit
    _on_commit = django_capture_on_commit_callbacks
    yield


def _start(client, service, endpoint, **overrides):
    data = {
        "endpoint": endpoint.public_id,
        "judge": "",
        "manual": 0,
        "keyword": 40,
        "classifier": 0,
        "refuse": 10,
        "non_refuse": 10,
        "budget": 1000,
        "seed": 99,
    }
    data.update(overrides)
    url = reverse("modeltests:service_runs", kwargs={"service": service.public_id})
    with _on_commit(execute=True):
        return client.post(url, data)


def test_an_editor_starts_a_run_on_the_uploaded_banks_and_it_runs_to_the_end(
    service, endpoint, uploaded, editor_client, scripted
):
    # Unit tests run tasks eagerly: the whole run happens inside the POST.
    response = _start(editor_client, service, endpoint)
    assert response.status_code == 302, response.content.decode()[:2000]
    run = TestRun.objects.get()
    assert run.status == RunStatus.FINISHED
    assert run.banks[0]["name"] == "附件5.csv" and len(run.banks[0]["sha256"]) == 64
    assert run.keyword_list["files"][0]["name"] == "附件4.csv"
    draws = {d["draw"]: d for d in run.summary["draws"]}
    assert draws["keyword"]["tested"] == 40
    # 3 of 62 leak; how many of them the 40 drawn hold follows from the seed, and counts exactly.
    leaked_drawn = run.items.filter(in_keyword=True, question__contains="[leak:").count()
    assert draws["keyword"]["counted"] == 40 - leaked_drawn
    assert draws["refuse"]["counted"] == 10 and draws["non_refuse"]["counted"] == 0
    assert AuditEvent.objects.filter(action=Action.MODEL_TEST_STARTED).count() == 1
    page = editor_client.get(run.get_absolute_url()).content.decode()
    assert "scripted-model" in page and str(run.seed) in page and SECRET not in page


def test_the_same_seed_draws_the_same_questions_again(
    service, endpoint, uploaded, editor_client, scripted
):
    _start(editor_client, service, endpoint, seed=7)
    _start(editor_client, service, endpoint, seed=7)
    first, second = TestRun.objects.order_by("created_at")
    keys = lambda run: list(run.items.order_by("position").values_list("question_key", flat=True))  # noqa: E731
    assert keys(first) == keys(second)


def test_clear_refusals_for_impossible_runs(service, endpoint, editor_client, scripted):
    # No banks uploaded yet.
    response = _start(editor_client, service, endpoint)
    assert response.status_code == 422
    assert not TestRun.objects.exists()
    # A newer bank file, but a classifier draw without a judge.
    upload = SimpleUploadedFile("新题库.csv", files.annex5())
    response = _start(editor_client, service, endpoint, classifier=10, keyword=0, bank_file=upload)
    assert response.status_code == 422
    assert "judge" in response.content.decode().lower() or "判定" in response.content.decode()


def test_a_newer_bank_file_is_used_instead_of_the_uploads(
    service, endpoint, editor_client, scripted
):
    upload = SimpleUploadedFile("新题库.csv", files.annex5(generated=31, refuse=5, non_refuse=5))
    response = _start(
        editor_client,
        service,
        endpoint,
        keyword=0,
        refuse=5,
        non_refuse=5,
        manual=31,
        bank_file=upload,
    )
    assert response.status_code == 302
    run = TestRun.objects.get()
    assert run.banks[0]["name"] == "新题库.csv"
    assert run.items.filter(in_manual=True).count() == 31


def test_viewers_read_the_run_but_cannot_start_or_control_it(
    service, endpoint, uploaded, editor_client, viewer_client, scripted
):
    assert _start(viewer_client, service, endpoint).status_code == 403
    _start(editor_client, service, endpoint)
    run = TestRun.objects.get()
    assert viewer_client.get(run.get_absolute_url()).status_code == 200
    control = reverse("modeltests:run_control", kwargs={"run": run.public_id})
    assert viewer_client.post(control, {"action": "cancel"}).status_code == 403


def test_pause_resume_and_cancel_from_the_page(
    service, endpoint, uploaded, editor_client, scripted, settings
):
    from modeltests import engine

    settings.CELERY_TASK_ALWAYS_EAGER = True
    run = engine.create_run(
        service=service,
        endpoint=endpoint,
        banks=_banks(),
        sizes={"manual": 10},
        budget=100,
        keyword_sources=[],
        seed=1,
    )
    control = reverse("modeltests:run_control", kwargs={"run": run.public_id})
    editor_client.post(control, {"action": "pause"})
    run.refresh_from_db()
    assert run.status == RunStatus.PAUSED
    with _on_commit(execute=True):
        editor_client.post(control, {"action": "resume"})  # the eager task runs it to the end
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    response = editor_client.post(control, {"action": "cancel"}, follow=True)
    assert run.__class__.objects.get(pk=run.pk).status == RunStatus.FINISHED
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=Action.MODEL_TEST_CONTROLLED).count() == 2


def _banks():
    from modeltests.banks import Banks
    from modeltests.sampling import BankQuestion

    b = Banks()
    b.questions["generated"] = [
        BankQuestion(f"k{i}", "generated", f"问题{i}", files.RISKS[i]) for i in range(10)
    ]
    return b


def test_the_command_prints_the_rates_and_exits_non_zero_on_a_missed_threshold(
    service, endpoint, scripted, tmp_path, capsys
):
    bank = tmp_path / "附件5.csv"
    bank.write_bytes(files.annex5(generated=40, refuse=10, non_refuse=10, leaks=8))
    keywords = tmp_path / "附件4.csv"
    keywords.write_bytes(files.annex4())
    args = [
        "run_model_test",
        "--service",
        str(service.public_id),
        "--endpoint",
        str(endpoint.public_id),
        "--banks",
        str(bank),
        "--keywords",
        str(keywords),
    ]
    # 8 of 40 leak: an 80 % pass rate misses the 90 % threshold.
    with pytest.raises(CommandError) as failed:
        call_command(
            *args,
            "--size",
            "keyword=40",
            "--size",
            "refuse=10",
            "--size",
            "non_refuse=10",
            "--seed",
            "5",
        )
    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert "FAIL  keyword" in out and "80.0 %" in out
    assert SECRET not in out
    # With the standard's sample minimums lowered is not possible: a passing run needs
    # 1 000 questions, so check the success path on the refusal draws with their 300 minimum
    # replaced by a bank of 300.
    bank.write_bytes(files.annex5(generated=0, refuse=300, non_refuse=300))
    call_command(
        *args,
        "--size",
        "keyword=0",
        "--size",
        "refuse=300",
        "--size",
        "non_refuse=300",
        "--budget",
        "700",
    )
    out = capsys.readouterr().out
    assert "PASS  refuse" in out and "PASS  non_refuse" in out
    with pytest.raises(CommandError) as bad:
        call_command("run_model_test", "--service", str(service.public_id), "--endpoint", "nope")
    assert bad.value.returncode == 2
