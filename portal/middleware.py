from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

API_PREFIX = "/api/"


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the person chose English with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, which shows English
    to many Chinese users on English-language systems; the portal is Chinese first. Programs
    calling the API say what they want in Accept-Language, and get it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        is_api = request.path_info.startswith(API_PREFIX)
        if is_api:
            language = self._accepted(request) or language
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language") if is_api else ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response

    def _accepted(self, request) -> str | None:
        """The first supported language of Accept-Language (zh, zh-CN, en-GB ... included)."""
        for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
            if code == "*":
                return None
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                continue
        return None
