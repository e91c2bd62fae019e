"""Print the OIDC_* endpoint variables of an OpenID provider, read from its discovery document,
for .env: `manage.py oidc_endpoints https://sso.example.cn/realms/staff`."""

from __future__ import annotations

import requests
from django.core.management.base import BaseCommand, CommandError

FIELDS = (
    ("OIDC_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
    ("OIDC_TOKEN_ENDPOINT", "token_endpoint"),
    ("OIDC_USERINFO_ENDPOINT", "userinfo_endpoint"),
    ("OIDC_JWKS_ENDPOINT", "jwks_uri"),
    ("OIDC_END_SESSION_ENDPOINT", "end_session_endpoint"),
)


class Command(BaseCommand):
    help = "Print the OIDC_* endpoint settings of an OpenID Connect provider (its issuer URL)."

    def add_arguments(self, parser):
        parser.add_argument("issuer", help="The provider's issuer URL.")

    def handle(self, *args, issuer: str, **options):
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=15)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise CommandError(f"Could not read {url}: {exc}") from exc
        for name, key in FIELDS:
            value = document.get(key)
            if value:
                self.stdout.write(f"{name}={value}")
            elif name != "OIDC_END_SESSION_ENDPOINT":
                raise CommandError(f"The discovery document has no {key}.")
        if (
            document.get("id_token_signing_alg_values_supported")
            and "RS256" not in document["id_token_signing_alg_values_supported"]
        ):
            algorithms = document["id_token_signing_alg_values_supported"]
            self.stdout.write(f"OIDC_SIGN_ALGO={algorithms[0]}")
