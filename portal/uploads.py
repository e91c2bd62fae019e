"""Upload size is refused while the body arrives, not after it was spooled to disk.

Django's multipart parser writes every file to a temporary file before a view sees it, so a
check in the view (or the form) lets anyone make the server read and store 100 MB to be told
"too large". This handler, first in FILE_UPLOAD_HANDLERS, stops the parser at the first chunk
of a file past the limit of the URL it is sent to (the form fields before it, the CSRF token
among them, are still read), without reading the rest of the body. The view then finds
`request.upload_refused` and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.urls import Resolver404, resolve


@dataclass(frozen=True)
class Refused:
    limit: int  # bytes
    size: int | None  # what the request said it would send, when it said


def upload_limit(request) -> int:
    """The largest file the URL accepts (the evidence limit on evidence uploads)."""
    limits = {
        "assessments:evidence_upload": settings.EVIDENCE_MAX_BYTES,
        "api:evidence_upload": settings.EVIDENCE_MAX_BYTES,
        "dossiers:verify": settings.DOSSIER_VERIFY_MAX_BYTES,
        "dossiers:verify_number": settings.DOSSIER_VERIFY_MAX_BYTES,
    }
    try:
        name = resolve(request.path_info).view_name
    except Resolver404:
        name = ""
    return limits.get(name, settings.UPLOAD_MAX_BYTES)


def message(refusal: Refused) -> str:
    from django.utils.translation import gettext as _

    limit = refusal.limit // 1048576
    if refusal.size:
        return _("The file is %(size)s MB; the limit is %(limit)s MB.") % {
            "size": round(refusal.size / 1048576, 1),
            "limit": limit,
        }
    return _("The file is larger than %(mb)s MB.") % {"mb": limit}


def refused(request) -> Refused | None:
    """Whether the handler stopped this request's upload (reads the body if not yet read)."""
    if request.method == "POST":
        request.POST  # noqa: B018 - parsing runs the handler
    return getattr(request, "upload_refused", None)


class LimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = upload_limit(self.request)
        self.announced = content_length or None
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        # The body is larger than the limit plus room for the other fields: no need to read
        # a byte of the file.
        if self.announced and self.announced > self.limit + 1024 * 1024:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self):
        self.request.upload_refused = Refused(self.limit, self.announced)
        raise StopUpload(connection_reset=True)
