"""Publishing the public half of the token signing key, beside the tokens it verifies.

Integrators verify the session tokens and API keys this server issues (RS256, API.md §1.2)
with this key: as a JWK set at ``/.well-known/jwk.json`` or as PEM at
``/.well-known/jwk.pem``. Only the public numbers are ever served.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from . import tokens


@require_GET
def jwk_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": [tokens.public_jwk()]})


@require_GET
def jwk_pem(request: HttpRequest) -> HttpResponse:
    return HttpResponse(tokens.signing_keys().public_pem, content_type="application/x-pem-file")
