from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModelTestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "modeltests"
    verbose_name = _("Model tests")
