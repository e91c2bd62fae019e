from django.urls import path

from filing import views

app_name = "filing"

urlpatterns = [
    path("assessment/<uuid:assessment>/checks/", views.checks, name="checks"),
    path(
        "assessment/<uuid:assessment>/documents/<str:document>",
        views.document,
        name="document",
    ),
    path("assessment/<uuid:assessment>/package/", views.package, name="package"),
    path("review/<uuid:assessment>/checks/", views.review_checks, name="review_checks"),
    path(
        "review/<uuid:assessment>/documents/<str:document>",
        views.review_document,
        name="review_document",
    ),
]
