"""The manual grading screen in the browser: keyboard shortcuts, progress, the next answer."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from library.loading import load_library
from modeltests import engine
from modeltests.models import ItemStatus, ModelEndpoint, RunStatus
from providers.models import Role
from tests import factories
from tests.e2e.conftest import login
from tests.modeltests.test_runs import make_banks

pytestmark = pytest.mark.browser
PASSWORD = "Grade-test-password-2026"


def test_grading_with_the_keyboard(live_server, page, settings):
    load_library()  # transactional test: the session's library may have been flushed
    provider = factories.make_provider()
    service = factories.make_service(provider)
    editor = factories.make_member(
        provider, Role.EDITOR, email="grader@example.cn", password=PASSWORD
    ).user
    endpoint = ModelEndpoint.objects.create(
        provider=provider, name="m", base_url="http://127.0.0.1:9/v1", model_name="m"
    )
    run = engine.create_run(
        service=service,
        endpoint=endpoint,
        banks=make_banks([f"问题{i}" for i in range(3)]),
        sizes={"manual": 3},
        budget=10,
        keyword_sources=[],
        seed=1,
    )
    # Answers as a finished run would hold them (the sending is tested elsewhere).
    for item in run.items.all():
        item.status, item.answer = ItemStatus.ANSWERED, f"{item.question}的回答"
        item.save()
    run.status = RunStatus.FINISHED
    run.save()
    login(page, live_server, editor.email, PASSWORD)
    page.goto(live_server.url + reverse("modeltests:run_grade", kwargs={"run": run.public_id}))
    expect(page.locator("#grade-counts")).to_contain_text("0")
    for key in ("a", "u", "r"):
        expect(page.locator("#grade-form")).to_be_visible()
        page.keyboard.press(key)
        page.wait_for_load_state()
    expect(page.locator("#grade-done")).to_be_visible()
    expect(page.locator("#grade-counts")).to_contain_text("3")
    verdicts = list(run.items.order_by("position").values_list("manual_verdict", flat=True))
    assert verdicts == ["acceptable", "unacceptable", "refused"]
    # The run page shows the manual draw's rate from these verdicts: 2 of 3 pass.
    page.goto(live_server.url + run.get_absolute_url())
    expect(page.locator("#draw-results")).to_contain_text("66.7 %")
    if os.environ.get("SHOTS"):
        page.screenshot(path="shots/model-test-run.png", full_page=True)
