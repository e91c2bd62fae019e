"""The algorithm's public disclosure text (拟公示内容): drafted, edited, checked.

Members of the provider under the assessment (outsiders and reviewers 404, like the checks);
owners and editors save, viewers read. The text belongs to the service, so every assessment
of the service shows the same one.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessments.access import get_assessment
from filing import disclosure
from filing.facts import facts_for
from filing.forms import DisclosureForm


def disclosure_page(request: HttpRequest, assessment: UUID) -> HttpResponse:
    obj, membership = get_assessment(request, assessment)
    facts = facts_for(obj)
    current = disclosure.current(obj.service, facts)
    if request.method == "POST":
        if not membership.can_write:
            raise PermissionDenied(_("Your role lets you read, not change, this text."))
        return _post(request, obj, membership, facts, current)
    # ?draft=1 puts the portal's draft back into the form; saving it replaces the saved text.
    showing_draft = not current.is_saved or request.GET.get("draft") == "1"
    fields = disclosure.draft(facts) if showing_draft else current.fields
    form = DisclosureForm(
        initial={**fields, "revision": current.revision}, read_only=not membership.can_write
    )
    context = _context(obj, membership, facts, current, form, fields)
    context["showing_draft"] = showing_draft
    return render(request, "filing/disclosure.html", context)


def _post(request, obj, membership, facts, current) -> HttpResponse:
    form = DisclosureForm(request.POST)
    posted = {name: request.POST.get(name, "") for name in disclosure.FIELDS}
    if form.is_valid():
        try:
            disclosure.disclosure_save(
                service=obj.service,
                fields=form.text(),
                revision=form.cleaned_data["revision"],
                user=request.user,
                assessment=obj,
            )
        except disclosure.Conflict as conflict:
            return _conflict(request, obj, membership, facts, posted, conflict.saved)
        except ValidationError as error:  # the service refuses what the form let through
            form.add_error(None, error)
        else:
            messages.success(request, _("The disclosure text is saved."))
            return redirect(request.path)
    context = _context(obj, membership, facts, current, form, posted)
    return render(request, "filing/disclosure.html", context, status=422)


def _conflict(request, obj, membership, facts, posted, saved) -> HttpResponse:
    """Keep the user's text beside the version saved meanwhile; the form now carries that
    version's revision, so saving again knowingly replaces it."""
    form = DisclosureForm({**posted, "revision": saved.revision if saved else 0})
    form.is_valid()
    form.add_error(
        None,
        _(
            "Someone saved this text while you were editing it. Your text is kept below; "
            "compare it with the saved version and save again to replace it."
        ),
    )
    theirs = disclosure.as_current(saved, facts)
    context = _context(obj, membership, facts, theirs, form, posted)
    context["theirs"] = [(disclosure.LABELS[n], theirs.fields[n]) for n in disclosure.FIELDS]
    return render(request, "filing/disclosure.html", context, status=409)


def _context(obj, membership, facts, current, form, shown: Mapping[str, str]) -> dict:
    found = disclosure.findings(shown, service_name=obj.service.name)
    return {
        "assessment": obj,
        "membership": membership,
        "provider": membership.provider,
        "service": obj.service,
        "form": form,
        "current": current,
        "showing_draft": False,
        "findings": found,
        "refused": sum(1 for f in found if f.refuses_save),
        "applies": "algorithm_filing" in facts.routes,
        "can_edit": membership.can_write,
    }
