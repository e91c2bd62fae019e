"""Every download's file name is safe: a "/" in the service name does not drop a part of it,
a right-to-left override cannot make "exe.pdf" read as an executable's name."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from assessments import services
from portal.text import safe_filename

SPOOFING = "甲/乙\\助手\u202efdp.exe\x07:*?"


@given(st.text(max_size=300))
def test_a_safe_name_has_no_path_control_or_reserved_character(name):
    safe = safe_filename(name)
    assert safe and len(safe) <= 120
    assert not set(safe) & set('/\\:*?"<>|\u202e\u202d\u2066\u2067\u2068\u2069\x00\n\r\t')
    assert not safe.startswith((".", " "))


@pytest.mark.django_db
def test_the_word_download_names_the_whole_service_safely(editor_client, service, editor):
    service.name = SPOOFING
    service.save(update_fields=["name"])
    assessment, _created = services.assessment_start(service=service, user=editor)
    url = reverse(
        "filing:document", kwargs={"assessment": assessment.public_id, "document": "report.docx"}
    )
    response = editor_client.get(url)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "%E2%80%AE" not in disposition and "\u202e" not in disposition  # no RLO, encoded or not
    assert "%E7%94%B2_%E4%B9%99" in disposition  # 甲_乙: both parts of the name are kept
    assert disposition.endswith(".docx") or disposition.endswith('.docx"')
