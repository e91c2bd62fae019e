from django.urls import include, path

from dossiers import views

app_name = "dossiers"

dossier_urls = [
    path("retry/", views.retry, name="retry"),
    path("pdf/", views.download_pdf, name="download_pdf"),
    path("package/", views.download_package, name="download_package"),
]

urlpatterns = [
    path("assessment/<uuid:assessment>/", views.panel, name="panel"),
    path("assessment/<uuid:assessment>/generate/", views.generate, name="generate"),
    path("<uuid:dossier>/", include(dossier_urls)),
    # Public: no login (see views.verify).
    path("verify/", views.verify, name="verify"),
    path("verify/<str:number>/", views.verify, name="verify_number"),
]
