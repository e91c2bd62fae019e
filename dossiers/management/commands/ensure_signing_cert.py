"""Create the DEVELOPMENT-ONLY signing CA and certificate under var/signing/, once.

    manage.py ensure_signing_cert

Run by `make run`. A rerun changes nothing: when all files exist it says so; when only some
exist it refuses to touch them (delete the folder to start over). When a real certificate is
configured (DOSSIER_SIGNING_PKCS12 or DOSSIER_SIGNING_KEY) it does nothing. The files are named
DEVELOPMENT-ONLY-*; their certificates say so too, and they are never trusted when
DOSSIER_ALLOW_DEV_SIGNING is off (the default when DEBUG is false).
"""

from django.core.management.base import BaseCommand, CommandError

from dossiers import signing


class Command(BaseCommand):
    help = "Create the development-only dossier signing CA and certificate (once)."

    def handle(self, *args, **options) -> None:
        if signing.configured():
            self.stdout.write("A signing certificate is configured; nothing to do.")
            return
        directory = signing.dev_dir()
        present = [name for name in signing.DEV_FILES if (directory / name).exists()]
        if len(present) == len(signing.DEV_FILES):
            self.stdout.write(f"The development signing certificate exists in {directory}.")
            return
        if present:
            raise CommandError(
                f"{directory} holds only some of the development signing files ({', '.join(present)})"
                "; refusing to overwrite them. Remove the folder to create new ones."
            )
        written = signing.write_dev_ca(directory)
        self.stdout.write(
            self.style.WARNING(
                "Created a DEVELOPMENT-ONLY signing CA and certificate (never use them for "
                "filing):\n  " + "\n  ".join(str(p) for p in written)
            )
        )
