from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from assessments.scores import recompute_stale

        # After all migrations (the schema is the one scoring reads), once per `migrate`: scores
        # stored under older scoring rules are recomputed, never shown as they were.
        post_migrate.connect(recompute_stale, sender=self, dispatch_uid="assessments-rescore")
