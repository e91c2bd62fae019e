"""An upload past the limit is stopped while it arrives: the server reads about the limit, not
the whole body, and the person is told the limit."""

from __future__ import annotations

import io

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import override

from assessments import services
from assessments.models import Evidence
from portal import uploads

MB = 1024 * 1024


class CountingInput(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def _multipart(size: int, *, boundary: str = "xYzZy") -> bytes:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n说明\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + b"a" * size + f"\r\n--{boundary}--\r\n".encode()


def _request(url: str, body: bytes, *, announce: bool) -> tuple[WSGIRequest, CountingInput]:
    environ = RequestFactory().post(url).environ
    stream = CountingInput(body)
    environ.update(
        {
            "wsgi.input": stream,
            "CONTENT_TYPE": "multipart/form-data; boundary=xYzZy",
            # A chunked upload does not say its length: the handler counts instead.
            "CONTENT_LENGTH": str(len(body)) if announce else str(len(body)),
        }
    )
    return WSGIRequest(environ), stream


@pytest.mark.django_db
@pytest.mark.parametrize("announce", [True, False])
def test_a_large_body_is_stopped_at_the_limit(settings, announce):
    settings.EVIDENCE_MAX_BYTES = 2 * MB
    url = reverse(
        "assessments:evidence_upload",
        kwargs={"assessment": "00000000-0000-0000-0000-000000000000", "question": "CS-01"},
    )
    body = _multipart(100 * MB)
    request, stream = _request(url, body, announce=announce)
    if not announce:
        request.upload_handlers[0].announced = None
    refusal = uploads.refused(request)
    assert refusal is not None and refusal.limit == 2 * MB
    assert "file" not in request.FILES and request.POST["note"] == "说明"
    assert stream.consumed < 3 * MB, stream.consumed  # not the 100 MB
    with override("en"):
        assert "2 MB" in uploads.message(refusal)


@pytest.mark.django_db
def test_the_evidence_form_says_the_limit(editor_client, service, editor, settings):
    settings.EVIDENCE_MAX_BYTES = 1 * MB
    assessment, _created = services.assessment_start(service=service, user=editor)
    state = services.load_state(assessment)
    question = next(q for q in state.catalogue.questions if q.code in state.applicable)
    url = reverse(
        "assessments:evidence_upload",
        kwargs={"assessment": assessment.public_id, "question": question.code},
    )
    response = editor_client.post(
        url, {"file": io.BytesIO(b"a" * (3 * MB)), "note": "大文件"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "上限为 1 MB" in response.content.decode() or "1 MB" in response.content.decode()
    assert not Evidence.objects.filter(assessment=assessment).exists()
