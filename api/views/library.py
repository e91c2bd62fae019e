"""The provision library, read-only: instruments with their provisions, questionnaires with
their questions, in the caller's language."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api import serializers as out
from api.views.base import ApiView
from library.catalogue import get_catalogue
from library.models import Instrument, Questionnaire


def instrument_out(instrument: Instrument, count: int) -> dict:
    return {
        "code": instrument.code,
        "title": instrument.tr("title"),
        "short": instrument.tr("short"),
        "kind": instrument.kind,
        "kind_label": instrument.get_kind_display(),
        "status": instrument.current_status,
        "status_label": instrument.current_status_label,
        "effective": instrument.effective,
        "provisions": count,
    }


class InstrumentList(ApiView):
    @extend_schema(
        operation_id="library_instruments_list", responses=out.InstrumentSerializer(many=True)
    )
    def get(self, request):
        rows = Instrument.objects.annotate(n=Count("provisions"))
        return Response(
            out.InstrumentSerializer([instrument_out(i, i.n) for i in rows], many=True).data
        )


class InstrumentDetail(ApiView):
    @extend_schema(
        operation_id="library_instruments_read", responses=out.InstrumentDetailSerializer
    )
    def get(self, request, code):
        instrument = Instrument.objects.filter(code=code).first()
        if instrument is None:
            raise Http404(_("No such instrument."))
        provisions = list(instrument.provisions.all())
        data = instrument_out(instrument, len(provisions))
        data["items"] = [
            {
                "key": p.key,
                "instrument": instrument.code,
                "ref": p.tr("ref"),
                "summary": p.tr("summary"),
                "assessable": p.assessable,
                "unconfirmed": p.is_unconfirmed,
            }
            for p in provisions
        ]
        return Response(out.InstrumentDetailSerializer(data).data)


class QuestionnaireList(ApiView):
    @extend_schema(
        operation_id="library_questionnaires_list",
        responses=out.QuestionnaireSerializer(many=True),
    )
    def get(self, request):
        rows = Questionnaire.objects.annotate(n=Count("questions")).order_by("code", "version")
        data = [
            {"code": q.code, "version": q.version, "title": q.tr("title"), "questions": q.n}
            for q in rows
        ]
        return Response(out.QuestionnaireSerializer(data, many=True).data)


class QuestionnaireDetail(ApiView):
    @extend_schema(
        operation_id="library_questionnaires_read", responses=out.QuestionnaireDetailSerializer
    )
    def get(self, request, code, version):
        questionnaire = Questionnaire.objects.filter(code=code, version=version).first()
        if questionnaire is None:
            raise Http404(_("No such questionnaire."))
        catalogue = get_catalogue(questionnaire)
        data = {
            "code": questionnaire.code,
            "version": questionnaire.version,
            "title": questionnaire.tr("title"),
            "questions": len(catalogue.questions),
            "domains": [{"code": d.code, "title": d.title} for d in catalogue.domains],
            "items": [
                {
                    "code": q.code,
                    "domain": q.domain,
                    "kind": q.kind,
                    "text": q.text,
                    "guidance": q.guidance,
                    "required": q.required,
                    "red_line": q.red_line,
                    "weight": q.weight,
                    "choices": [{"value": v, "label": label} for v, label in q.choice_options()],
                    "provisions": [p.key for p in q.provisions],
                }
                for q in catalogue.questions
            ],
        }
        return Response(out.QuestionnaireDetailSerializer(data).data)
