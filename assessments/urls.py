from django.urls import include, path

from assessments import portfolio_views, upgrade_views, views

app_name = "assessments"

assessment_urls = [
    path("", views.detail, name="detail"),
    path("answers/<str:question>/", views.save_answer, name="answer"),
    path("answers/<str:question>/evidence/", views.upload_evidence, name="evidence_upload"),
    path("evidence/<uuid:evidence>/", views.download_evidence, name="evidence_download"),
    path("evidence/<uuid:evidence>/delete/", views.delete_evidence, name="evidence_delete"),
    path("evidence/<uuid:evidence>/analysis/", views.analysis_status, name="analysis"),
    path("results/", views.results, name="results"),
    path("history/", views.history, name="history"),
    path("submit/", views.submit, name="submit"),
    path("revise/", views.revise, name="revise"),
    path("upgrade/", upgrade_views.preview, name="upgrade"),
    path("upgrade/undo/", upgrade_views.undo, name="upgrade_undo"),
]

urlpatterns = [
    path("portfolio/", portfolio_views.portfolio_page, name="portfolio"),
    path("portfolio/export.xlsx", portfolio_views.portfolio_export, name="portfolio_export"),
    path("<uuid:assessment>/", include(assessment_urls)),
]
