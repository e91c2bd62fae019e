"""Create the demo providers, services, accounts and self-assessments of fixtures/demo/demo.yaml.

Only creates what is missing; never changes an existing account's password or an existing
assessment. Harmless to rerun.
"""

from django.core.management.base import BaseCommand

from providers.demo import load_demo, questionnaire_loaded


class Command(BaseCommand):
    help = "Load the demo data set (idempotent)."

    def handle(self, *args, **options):
        created = load_demo()
        if not any(created.values()):
            self.stdout.write(self.style.SUCCESS("Demo data: already loaded, nothing to create."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo data created: {users} users, {providers} providers, {services} services, "
                    "{assessments} self-assessments, {endpoints} model endpoints.".format(**created)
                )
            )
        if not questionnaire_loaded():
            self.stdout.write(
                self.style.WARNING(
                    "No questionnaire is loaded, so the demo self-assessments were left out: run "
                    "manage.py load_questionnaires, then this command again."
                )
            )
