"""Sessions that lack a second factor the person's role requires are ended.

The sign-in views never log such a person in without the code (accounts/mfa.py); this catches
what was signed in before MFA_REQUIRED was turned on, or before the role was given. It reads
only the session and the user row the authentication middleware loads anyway: no query.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts import mfa
from portal.middleware import API_PREFIX


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and mfa.required_for(user)
            and request.session.get(mfa.VERIFIED) != "verified"
        ):
            logout(request)
            message = _("Your role requires two-factor sign-in: please sign in again.")
            if request.path_info.startswith(API_PREFIX):  # a program gets a problem document
                body = {"type": "about:blank", "status": 401, "detail": message, "code": "mfa"}
                return JsonResponse(body, status=401, content_type="application/problem+json")
            messages.info(request, message)
            return redirect("accounts:login")
        return self.get_response(request)
