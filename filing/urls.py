from django.urls import path

from filing import disclosure_views, views

app_name = "filing"

urlpatterns = [
    path("assessment/<uuid:assessment>/checks/", views.checks, name="checks"),
    path(
        "assessment/<uuid:assessment>/documents/<str:document>",
        views.document,
        name="document",
    ),
    path("assessment/<uuid:assessment>/package/", views.package, name="package"),
    path(
        "assessment/<uuid:assessment>/disclosure/",
        disclosure_views.disclosure_page,
        name="disclosure",
    ),
    path("assessment/<uuid:assessment>/packages/", views.packages_panel, name="packages"),
    path("package/<uuid:package>/download/", views.package_download, name="package_download"),
    path("package/<uuid:package>/retry/", views.package_retry, name="package_retry"),
    path("review/<uuid:assessment>/checks/", views.review_checks, name="review_checks"),
    path(
        "review/<uuid:assessment>/documents/<str:document>",
        views.review_document,
        name="review_document",
    ),
]
