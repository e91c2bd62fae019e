"""/api/v1/: the REST API, its OpenAPI schema and its documentation pages.

Every view authenticates itself (token or session, api/authentication.py), so Django's
LoginRequiredMiddleware, which would send a program to the sign-in page, is switched off here.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from api.docs import SwaggerView
from api.problems import MEDIA_TYPE, TITLES
from api.views import assessments, dossiers, library, me, modeltests, providers, reviews

app_name = "api"


def _open(view_class, **initkwargs):
    return login_not_required(view_class.as_view(**initkwargs))


@csrf_exempt  # no state changes here, and a program's POST to a wrong address gets the 404
@login_not_required
def not_found(request, rest=""):
    body = {
        "type": "about:blank",
        "title": str(TITLES[404]),
        "status": 404,
        "detail": _("There is no such API address; see /api/v1/docs/."),
        "instance": request.path,
        "code": "not_found",
    }
    return JsonResponse(body, status=404, content_type=MEDIA_TYPE)


A = "assessments/<uuid:assessment>/"
E = "providers/<uuid:provider>/model-endpoints/"
R = "model-test-runs/<uuid:run>/"

urlpatterns = [
    path("schema/", _open(SpectacularAPIView, urlconf=None), name="schema"),
    path("docs/", _open(SwaggerView, url_name="api:schema"), name="docs"),
    path("redoc/", _open(SpectacularRedocView, url_name="api:schema"), name="redoc"),
    path("me/", _open(me.Me), name="me"),
    path("providers/", _open(providers.ProviderList), name="providers"),
    path("providers/<uuid:provider>/", _open(providers.ProviderDetail), name="provider"),
    path("providers/<uuid:provider>/services/", _open(providers.ServiceList), name="services"),
    path("services/<uuid:service>/", _open(providers.ServiceDetail), name="service"),
    path(
        "services/<uuid:service>/assessments/",
        _open(assessments.ServiceAssessments),
        name="service_assessments",
    ),
    path("assessments/", _open(assessments.AssessmentList), name="assessments"),
    path(A, _open(assessments.AssessmentDetail), name="assessment"),
    path(A + "answers/", _open(assessments.AnswerList), name="answers"),
    path(A + "answers/<str:question>/", _open(assessments.AnswerDetail), name="answer"),
    path(
        A + "answers/<str:question>/evidence/",
        _open(assessments.EvidenceUpload),
        name="evidence_upload",
    ),
    path(A + "evidence/", _open(assessments.EvidenceList), name="evidence_list"),
    path(A + "evidence/<uuid:evidence>/", _open(assessments.EvidenceDetail), name="evidence"),
    path(
        A + "evidence/<uuid:evidence>/content/",
        _open(assessments.EvidenceContent),
        name="evidence_content",
    ),
    path(
        A + "evidence/<uuid:evidence>/analysis/",
        _open(assessments.EvidenceAnalysis),
        name="evidence_analysis",
    ),
    path(A + "submission/", _open(assessments.Submission), name="submission"),
    path(A + "revision/", _open(assessments.Revision), name="revision"),
    path(A + "score/", _open(assessments.Score), name="score"),
    path(A + "filing-routes/", _open(assessments.Routes), name="routes"),
    path(A + "checks/", _open(assessments.Checks), name="checks"),
    path(A + "dossiers/", _open(dossiers.DossierList), name="dossiers"),
    path(A + "packages/", _open(dossiers.PackageList), name="packages"),
    path("dossiers/<uuid:dossier>/", _open(dossiers.DossierDetail), name="dossier"),
    path("dossiers/<uuid:dossier>/retry/", _open(dossiers.DossierRetry), name="dossier_retry"),
    path("dossiers/<uuid:dossier>/pdf/", _open(dossiers.DossierPdf), name="dossier_pdf"),
    path(
        "dossiers/<uuid:dossier>/package/",
        _open(dossiers.DossierPackage),
        name="dossier_package",
    ),
    path("packages/<uuid:package>/", _open(dossiers.PackageDetail), name="package"),
    path("packages/<uuid:package>/retry/", _open(dossiers.PackageRetry), name="package_retry"),
    path(
        "packages/<uuid:package>/download/",
        _open(dossiers.PackageDownload),
        name="package_download",
    ),
    path("reviews/", _open(reviews.ReviewList), name="reviews"),
    path("reviews/<uuid:assessment>/", _open(reviews.ReviewDetail), name="review"),
    path("reviews/<uuid:assessment>/claim/", _open(reviews.ReviewClaim), name="review_claim"),
    path(
        "reviews/<uuid:assessment>/verdicts/<str:question>/",
        _open(reviews.ReviewVerdict),
        name="review_verdict",
    ),
    path(
        "reviews/<uuid:assessment>/decision/",
        _open(reviews.ReviewDecision),
        name="review_decision",
    ),
    path(
        "reviews/<uuid:assessment>/evidence/<uuid:evidence>/",
        _open(reviews.ReviewEvidence),
        name="review_evidence",
    ),
    path(E, _open(modeltests.ModelEndpointList), name="model_endpoints"),
    path(E + "<uuid:endpoint>/", _open(modeltests.ModelEndpointDetail), name="model_endpoint"),
    path(
        E + "<uuid:endpoint>/check/",
        _open(modeltests.ModelEndpointCheck),
        name="model_endpoint_check",
    ),
    path(
        "services/<uuid:service>/model-test-runs/",
        _open(modeltests.ServiceRuns),
        name="model_tests",
    ),
    path(R, _open(modeltests.RunDetail), name="model_test"),
    path(R + "control/", _open(modeltests.RunControl), name="model_test_control"),
    path(R + "attachment/", _open(modeltests.RunAttachment), name="model_test_attachment"),
    path(R + "items/", _open(modeltests.RunItems), name="model_test_items"),
    path("library/instruments/", _open(library.InstrumentList), name="instruments"),
    path("library/instruments/<str:code>/", _open(library.InstrumentDetail), name="instrument"),
    path("library/questionnaires/", _open(library.QuestionnaireList), name="questionnaires"),
    path(
        "library/questionnaires/<slug:code>/<int:version>/",
        _open(library.QuestionnaireDetail),
        name="questionnaire",
    ),
    re_path(r"^(?P<rest>[\s\S]*)$", not_found, name="not_found"),  # newlines too
]
