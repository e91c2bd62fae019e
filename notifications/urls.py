from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("badge/", views.badge, name="badge"),
    path("read/", views.mark_all_read, name="mark_all_read"),
    path("<uuid:notification>/read/", views.mark_read, name="mark_read"),
]
