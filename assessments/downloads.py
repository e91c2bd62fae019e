"""Evidence downloads, shared by the assessment page and the API: the same access-checked file,
headers and audit event."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from assessments.models import Evidence
from audit.models import Action
from audit.services import record_read
from portal.text import safe_filename


def evidence_response(evidence: Evidence, *, request) -> FileResponse:
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    # Not waiting for the audit chain's lock behind a long audited write (record_read).
    record_read(
        Action.EVIDENCE_DOWNLOADED,
        actor=request.user,
        obj=evidence,
        summary=evidence.name,
        request=request,
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=safe_filename(evidence.name),
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
