from django import template

from dossiers.messages import error_message
from dossiers.models import Dossier, DossierStatus, Edition
from dossiers.services import _FINAL_STATUSES

register = template.Library()
SHOWN = 6


@register.simple_tag
def dossier_panel_state(assessment, membership) -> dict:
    """What the dossier panel shows for an assessment (one query)."""
    dossiers = list(Dossier.objects.for_assessment(assessment)[:SHOWN])
    return {
        "dossiers": dossiers,
        "polling": any(d.in_progress and not d.is_stale for d in dossiers),
        "can_write": membership is not None and membership.can_write,
        "final": assessment.status in _FINAL_STATUSES,
        "editions": Edition.choices,
    }


@register.filter
def dossier_error(dossier: Dossier) -> str:
    return error_message(dossier.error_code)


@register.filter
def is_ready(dossier: Dossier) -> bool:
    return dossier.status == DossierStatus.READY
