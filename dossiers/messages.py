"""Human-readable reasons for a failed dossier job, by the code stored on the row."""

from django.utils.translation import gettext_lazy as _

ERRORS = {
    "font_missing": _(
        "The Chinese font is not installed on the server, so the PDF would show empty boxes "
        "instead of characters. An administrator must install fonts-noto-cjk."
    ),
    "snapshot_mismatch": _(
        "The submission snapshot does not match its recorded fingerprint; the dossier was not "
        "made. Please contact the portal administrators."
    ),
    "evidence_missing": _("An evidence file of the submission is missing from storage."),
    "evidence_changed": _(
        "An evidence file in storage no longer matches the fingerprint recorded at submission."
    ),
    "signing_not_configured": _(
        "No signing certificate is configured, so a final dossier cannot be signed. An "
        "administrator must install one (see docs/dossier.md)."
    ),
    "signing_key_unreadable": _(
        "The signing certificate could not be read: check the file and its passphrase."
    ),
    "not_approved": _("The assessment is no longer approved, so no signed dossier is made."),
    "timeout": _("Making the dossier took too long and was stopped."),
    "transient": _("A temporary problem (database, storage or timestamp server) persisted."),
    "internal": _("An unexpected error stopped the job. The administrators have the details."),
}


def error_message(code: str) -> str:
    return str(ERRORS.get(code, ERRORS["internal"]))
