"""The analysers need no database. providers.codes formats its messages with Django's
translation machinery, so settings must exist; without the project settings (run with
`-p no:django`) minimal ones are configured here."""

import os

from django.conf import settings

if not os.environ.get("DJANGO_SETTINGS_MODULE") and not settings.configured:
    settings.configure(USE_I18N=False)
