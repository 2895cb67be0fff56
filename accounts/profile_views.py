"""``/_profile``: a signed-in person's own sign-in settings (TOTP, password, passkeys).

Every change goes through the service the matching GraphQL mutation calls (``setupTFA``,
``loginTFA`` with ``setup``, ``deactivateTFA``, ``changePassword``, ``setupPasskey``,
``finalizePasskey``, ``deactivatePasskey``), as the signed-in caller.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from wiki.clients import client_address
from wiki.errors import DomainError, ErrorKey
from wiki.rate_limits import RateLimited

from . import passkeys, signin, totp
from .authentication import user_caller
from .models import LOCAL_STRATEGY_ID, User
from .signin_forms import CodeForm, OwnPasswordForm, PasskeyNameForm, retry_message
from .signin_views import (
    BAD_JSON,
    Problem,
    json_body,
    json_problem,
    json_refusal,
    open_setup,
    qr_markup,
    seal_setup,
    signed_in_user,
    site_id,
    with_retry_after,
)

PROFILE_URL = "/_profile"
# What the page says after a change (``?done=...``: the page is reloaded after each POST).
DONE = {
    "tfa-on": "Two-factor authentication is on. You will be asked for a code when you sign in.",
    "tfa-off": "Two-factor authentication is off.",
    "password": "Your password is changed.",
    "passkey-added": "The passkey is registered.",
    "passkey-renamed": "The passkey is renamed.",
    "passkey-removed": "The passkey is removed.",
}


def _to_login(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"/login?{urlencode({'next': request.get_full_path()})}")


class ProfilePage:
    def __init__(self, request: HttpRequest, user: User) -> None:
        self.request = request
        self.user = user
        self.caller = user_caller(user)

    def render(self, *, status: int = 200, **context) -> HttpResponse:
        context.setdefault("password_form", OwnPasswordForm())
        context.setdefault("done", DONE.get(self.request.GET.get("done", "")))
        context.update(
            signed_in=self.user,
            profile_user=self.user,
            tfa_active=totp.is_active(self.user, LOCAL_STRATEGY_ID),
            has_password=self.user.has_usable_password(),
            passkey_list=list(self.user.passkey_set.order_by("created_at", "id")),
        )
        return render(self.request, "accounts/profile.html", context, status=status)

    def render_setup(self, token: str, qr_svg: str, *, form=None, status=200, problem=None):
        return self.render(
            tfa_setup=seal_setup(token, qr_svg),
            qr=qr_markup(qr_svg),
            tfa_form=form or CodeForm(),
            tfa_problem=problem,
            status=status,
        )

    def post(self) -> HttpResponse:
        actions = {
            "tfa-setup": self.start_tfa,
            "tfa-confirm": self.confirm_tfa,
            "tfa-deactivate": self.deactivate_tfa,
            "password": self.change_password,
            "passkey-rename": self.rename_passkey,
            "passkey-remove": self.remove_passkey,
        }
        action = actions.get(self.request.POST.get("action", ""))
        if action is None:
            return self.render(status=400)
        return action()

    def attempt(
        self,
        service: Callable[[], object],
        *,
        done: str,
        again: Callable[[Problem, int], HttpResponse],
    ) -> HttpResponse:
        try:
            service()
        except RateLimited as limited:
            return with_retry_after(
                again(Problem(None, retry_message(limited.retry_after)), 429), limited
            )
        except DomainError as error:
            return again(Problem.of(error), 400)
        return HttpResponseRedirect(f"{PROFILE_URL}?done={done}")

    # TOTP --------------------------------------------------------------------------------
    def start_tfa(self) -> HttpResponse:
        try:
            token, qr_svg = totp.setup_tfa(
                self.caller, strategy_id=LOCAL_STRATEGY_ID, site_id=site_id(self.request)
            )
        except DomainError as error:
            return self.render(tfa_problem=Problem.of(error), status=400)
        return self.render_setup(token, qr_svg)

    def confirm_tfa(self) -> HttpResponse:
        opened = open_setup(self.request.POST.get("setup"))
        if opened is None:
            problem = Problem.of(DomainError(ErrorKey.INVALID_VALIDATION_TOKEN))
            return self.render(tfa_problem=problem, status=400)
        token, qr_svg = opened
        form = CodeForm(self.request.POST)
        if not form.is_valid():
            return self.render_setup(token, qr_svg, form=form, status=400)

        def again(problem: Problem, status: int) -> HttpResponse:
            if problem.key in {None, ErrorKey.TFA_INCORRECT_TOKEN, ErrorKey.TFA_INVALID_REQUEST}:
                return self.render_setup(token, qr_svg, problem=problem, status=status)
            return self.render(tfa_problem=problem, status=status)  # the token is gone

        # The session this also issues is not needed: the browser is signed in already.
        return self.attempt(
            lambda: signin.login_tfa(
                continuation_token=token,
                security_code=form.cleaned_data["code"],
                strategy_id=LOCAL_STRATEGY_ID,
                site_id=site_id(self.request),
                setup=True,
                client_address=client_address(self.request),
            ),
            done="tfa-on",
            again=again,
        )

    def deactivate_tfa(self) -> HttpResponse:
        return self.attempt(
            lambda: totp.deactivate_tfa(self.caller, strategy_id=LOCAL_STRATEGY_ID),
            done="tfa-off",
            again=lambda problem, status: self.render(tfa_problem=problem, status=status),
        )

    # Password ----------------------------------------------------------------------------
    def change_password(self) -> HttpResponse:
        form = OwnPasswordForm(self.request.POST)
        if not form.is_valid():
            return self.render(password_form=form, status=400)
        return self.attempt(
            lambda: signin.change_own_password(
                self.caller,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
                strategy_id=LOCAL_STRATEGY_ID,
                client_address=client_address(self.request),
            ),
            done="password",
            again=lambda problem, status: self.render(password_problem=problem, status=status),
        )

    # Passkeys ----------------------------------------------------------------------------
    def rename_passkey(self) -> HttpResponse:
        form = PasskeyNameForm(self.request.POST)
        if not form.is_valid():
            problem = Problem.of(DomainError(ErrorKey.PK_NAME_MISSING_OR_INVALID))
            return self.render(passkey_problem=problem, status=400)
        return self.attempt(
            lambda: passkeys.rename_passkey(
                self.caller,
                credential_id=form.cleaned_data["credential_id"],
                name=form.cleaned_data["name"],
            ),
            done="passkey-renamed",
            again=lambda problem, status: self.render(passkey_problem=problem, status=status),
        )

    def remove_passkey(self) -> HttpResponse:
        return self.attempt(
            lambda: passkeys.deactivate_passkey(
                self.caller, credential_id=self.request.POST.get("credential_id", "")
            ),
            done="passkey-removed",
            again=lambda problem, status: self.render(passkey_problem=problem, status=status),
        )


@sensitive_post_parameters("current_password", "new_password", "new_password_again", "code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def profile_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user is None:
        return _to_login(request)
    page = ProfilePage(request, user)
    return page.post() if request.method == "POST" else page.render()


# --- Passkey registration (JSON, for static/accounts/webauthn.js) --------------------------
NOT_SIGNED_IN = Problem(ErrorKey.NOT_AUTHENTICATED.value, "Please sign in first.")


@csrf_protect
@never_cache
@require_POST
def passkey_register_options(request: HttpRequest) -> JsonResponse:
    """``setupPasskey`` for the page: creation options for the signed-in person."""
    user = signed_in_user(request)
    if user is None:
        return json_problem(NOT_SIGNED_IN, 401)
    try:
        options = passkeys.setup_passkey(user_caller(user), site_id=site_id(request))
    except DomainError as error:
        return json_refusal(error)
    return JsonResponse(options)


@csrf_protect
@never_cache
@require_POST
def passkey_register(request: HttpRequest) -> JsonResponse:
    """``finalizePasskey`` for the page: store the new credential under ``name``."""
    user = signed_in_user(request)
    if user is None:
        return json_problem(NOT_SIGNED_IN, 401)
    body = json_body(request)
    if body is None or not isinstance(body.get("credential"), dict):
        return json_problem(BAD_JSON, 400)
    name = body.get("name") if isinstance(body.get("name"), str) else ""
    try:
        passkeys.finalize_passkey(
            user_caller(user), registration_response=body["credential"], name=name
        )
    except DomainError as error:
        return json_refusal(error)
    return JsonResponse({"redirect": f"{PROFILE_URL}?done=passkey-added"})
