"""Create the demo providers, services and accounts of fixtures/demo/demo.yaml.

Only creates what is missing; never changes an existing account's password. Harmless to rerun.
"""

from django.core.management.base import BaseCommand

from providers.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo data set (idempotent)."

    def handle(self, *args, **options):
        created = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data: {users} users, {providers} providers, {services} services created.".format(
                    **created
                )
            )
        )
