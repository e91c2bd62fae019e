"""Human-readable reasons for a failed package build, by the code stored on the row; codes the
dossier build shares (fonts, signing, timeouts) read as there."""

from django.utils.translation import gettext_lazy as _

from dossiers.messages import error_message as dossier_error_message

ERRORS = {
    "blocked": _(
        "A pre-filing check started to block after the package was requested; fix it and "
        "request the package again."
    ),
    "route": _("The filing route no longer applies to the service."),
    "not_approved": _("The assessment is no longer approved, so no signed package is made."),
    "timeout": _("Making the package took too long and was stopped."),
}


def error_message(code: str) -> str:
    return str(ERRORS[code]) if code in ERRORS else dossier_error_message(code)
