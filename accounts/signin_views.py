"""The browser's way in: ``/login`` (and the admin's login), ``/logout``, passkey sign-in.

The pages call the same services as the GraphQL mutations (``accounts.signin``,
``accounts.passkeys``), so the same checks, second factor and rate limits apply, and end the
way a browser keeps a session: the ``jwt`` cookie (API.md §1.2). Django's own
``contrib.auth.login`` and its session are never used.

Each step of the login flow is one form posted back to the page that showed it (``/login``
or ``/admin/login/``): the password, then, as the services decide, a TOTP code, a TOTP
enrolment or a new password, each carrying its continuation token in a hidden field.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from wiki.clients import client_address
from wiki.errors import DomainError, ErrorKey
from wiki.rate_limits import RateLimited
from wiki.sites import site_for_request

from . import passkeys, sessions, signin
from .models import LOCAL_STRATEGY_ID, User
from .second_factor import second_factor_satisfied
from .signin_forms import CodeForm, NewPasswordForm, PasswordStepForm, message_for, retry_message

ADMIN_HOME = "/admin/"
ADMIN_LOGIN = "/admin/login/"

STEP_PASSWORD = "password"  # noqa: S105 - a step name
STEP_TFA = "tfa"
STEP_TFA_SETUP = "tfaSetup"
STEP_CHANGE_PASSWORD = "changePassword"  # noqa: S105 - a step name

# The TOTP enrolment's token and QR code travel between the two requests of the step signed by
# the server, so the page shows only a QR code a service produced (never markup a client sent).
_SETUP_SALT = "accounts.signin_views.tfa-setup"
_SETUP_MAX_AGE = 24 * 3600


# --- Shared with the profile pages ---------------------------------------------------------
def signed_in_user(request: HttpRequest) -> User | None:
    """The person the request's session cookie names, or None for a guest."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if getattr(user, "is_system", False):
        return None
    return user


def site_id(request: HttpRequest) -> uuid.UUID:
    """The request's site; a nil id (no such site: ``ERR_INVALID_SITE``) when none serves it."""
    site = site_for_request(request)
    return site.pk if site is not None else uuid.UUID(int=0)


def safe_target(request: HttpRequest, url: str | None) -> str | None:
    """``url`` when it stays on this host (no ``//evil``, ``https://evil``, ``/\\evil``)."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def seal_setup(continuation_token: str, qr_svg: str) -> str:
    return signing.dumps(
        {"token": continuation_token, "qr": qr_svg}, salt=_SETUP_SALT, compress=True
    )


def open_setup(sealed: str | None) -> tuple[str, str] | None:
    """The token and QR code ``seal_setup`` signed, or None when tampered with or too old."""
    try:
        value = signing.loads(sealed or "", salt=_SETUP_SALT, max_age=_SETUP_MAX_AGE)
    except signing.BadSignature:
        return None
    return str(value["token"]), str(value["qr"])


def qr_markup(qr_svg: str) -> str:
    # Server-generated SVG from the TOTP service (or from our own signature of it).
    return mark_safe(qr_svg)  # noqa: S308


def with_retry_after(response: HttpResponse, limited: RateLimited) -> HttpResponse:
    response["Retry-After"] = str(limited.retry_after)
    return response


@dataclass
class Problem:
    """What went wrong, for the page: the key (None for a rate limit) and its sentence."""

    key: str | None
    message: str
    restart: bool = False

    @classmethod
    def of(cls, error: DomainError, *, restart: bool = False) -> Problem:
        return cls(error.key.value, message_for(error.key), restart)


# --- /login and /admin/login/ ----------------------------------------------------------------
class LoginFlow:
    """One request to the login page: which step to show, and what a posted step leads to."""

    def __init__(self, request: HttpRequest, *, admin: bool) -> None:
        self.request = request
        self.admin = admin
        asked = request.POST.get("next") if request.method == "POST" else None
        self.next = safe_target(request, asked or request.GET.get("next")) or (
            ADMIN_HOME if admin else ""
        )

    # Rendering ---------------------------------------------------------------------------
    def render(self, step: str, *, status: int = 200, **context) -> HttpResponse:
        context.update(step=step, next=self.next, admin=self.admin)
        context.setdefault("signed_in", signed_in_user(self.request))
        return render(self.request, "accounts/login.html", context, status=status)

    def first_step(self, *, problem: Problem | None = None, status: int = 200, username: str = ""):
        form = PasswordStepForm(initial={"username": username})
        if username:  # the address is typed already: the cursor goes to the password
            form.fields["username"].widget.attrs.pop("autofocus", None)
            form.fields["password"].widget.attrs["autofocus"] = True
        return self.render(STEP_PASSWORD, form=form, problem=problem, status=status)

    def show(self, result: signin.SignInResult) -> HttpResponse:
        """The step a service's result asks for, or the signed-in redirect."""
        action = result.next_action
        if action == signin.NextAction.PROVIDE_TFA:
            return self.render(STEP_TFA, form=CodeForm(), token=result.continuation_token)
        if action == signin.NextAction.SETUP_TFA:
            return self.render_setup(result.continuation_token, result.tfa_qr_image or "")
        if action == signin.NextAction.CHANGE_PASSWORD:
            return self.render(
                STEP_CHANGE_PASSWORD, form=NewPasswordForm(), token=result.continuation_token
            )
        return self.enter(result)

    def render_setup(self, token: str, qr_svg: str, *, form=None, problem=None, status=200):
        return self.render(
            STEP_TFA_SETUP,
            form=form or CodeForm(),
            setup=seal_setup(token, qr_svg),
            qr=qr_markup(qr_svg),
            problem=problem,
            status=status,
        )

    def enter(self, result: signin.SignInResult) -> HttpResponse:
        target = self.next or safe_target(self.request, result.redirect) or "/"
        return enter(self.request, HttpResponseRedirect(target), result.jwt)

    # The steps ---------------------------------------------------------------------------
    def get(self) -> HttpResponse:
        token = self.request.GET.get("changePwdContinuationToken")
        if token:  # the password-reset link's landing (/login-reset/{token})
            return self.render(STEP_CHANGE_PASSWORD, form=NewPasswordForm(), token=token)
        user = signed_in_user(self.request)
        if self.admin and user is not None:
            if user.is_staff and second_factor_satisfied(self.request):
                return HttpResponseRedirect(self.next)
            if user.is_staff:
                # The admin sends such a session here: ask for the second factor (a passkey,
                # or the password again, which then asks for the TOTP code).
                form = PasswordStepForm(initial={"username": user.email})
                return self.render(STEP_PASSWORD, form=form, second_factor_needed=True, status=403)
            # Signed in, but the admin is not theirs: say so here (the admin sends such a
            # person to this page; redirecting again would loop).
            return self.render(
                STEP_PASSWORD, form=PasswordStepForm(), not_authorized=True, status=403
            )
        return self.first_step()

    def post(self) -> HttpResponse:
        steps = {
            STEP_TFA: self.post_tfa,
            STEP_TFA_SETUP: self.post_tfa_setup,
            STEP_CHANGE_PASSWORD: self.post_change_password,
        }
        return steps.get(self.request.POST.get("step"), self.post_password)()

    def post_password(self) -> HttpResponse:
        form = PasswordStepForm(self.request.POST)
        if not form.is_valid():
            return self.render(STEP_PASSWORD, form=form, status=400)
        username = form.cleaned_data["username"]
        return self.attempt(
            lambda: signin.login(
                email=username,
                password=form.cleaned_data["password"],
                strategy_id=LOCAL_STRATEGY_ID,
                site_id=site_id(self.request),
                client_address=client_address(self.request),
            ),
            again=lambda problem, status: self.first_step(
                problem=problem, status=status, username=username
            ),
        )

    def post_tfa(self) -> HttpResponse:
        token = self.request.POST.get("token", "")
        form = CodeForm(self.request.POST)
        if not form.is_valid():
            return self.render(STEP_TFA, form=form, token=token, status=400)
        return self.send_code(
            token,
            form,
            setup=False,
            again=lambda problem, status: self.render(
                STEP_TFA, form=CodeForm(), token=token, problem=problem, status=status
            ),
            # A checked tfa token is spent, whatever the code: only a rate limit keeps it.
            keeps_token=frozenset({ErrorKey.TFA_INVALID_REQUEST}),
        )

    def post_tfa_setup(self) -> HttpResponse:
        opened = open_setup(self.request.POST.get("setup"))
        if opened is None:
            problem = Problem.of(DomainError(ErrorKey.INVALID_VALIDATION_TOKEN), restart=True)
            return self.first_step(problem=problem, status=400)
        token, qr_svg = opened
        form = CodeForm(self.request.POST)
        if not form.is_valid():
            return self.render_setup(token, qr_svg, form=form, status=400)
        return self.send_code(
            token,
            form,
            setup=True,
            again=lambda problem, status: self.render_setup(
                token, qr_svg, problem=problem, status=status
            ),
            # A tfaSetup token stays until the enrolment succeeds (§4.5.2).
            keeps_token=frozenset({ErrorKey.TFA_INVALID_REQUEST, ErrorKey.TFA_INCORRECT_TOKEN}),
        )

    def send_code(self, token: str, form: CodeForm, *, setup: bool, again, keeps_token):
        """``loginTFA`` with the posted code: the TOTP step, or the end of an enrolment."""
        return self.attempt(
            lambda: signin.login_tfa(
                continuation_token=token,
                security_code=form.cleaned_data["code"],
                strategy_id=LOCAL_STRATEGY_ID,
                site_id=site_id(self.request),
                setup=setup,
                client_address=client_address(self.request),
            ),
            again=again,
            keeps_token=keeps_token,
        )

    def post_change_password(self) -> HttpResponse:
        token = self.request.POST.get("token", "")
        form = NewPasswordForm(self.request.POST)
        if not form.is_valid():
            return self.render(STEP_CHANGE_PASSWORD, form=form, token=token, status=400)
        return self.attempt(
            lambda: signin.change_password_with_token(
                continuation_token=token,
                new_password=form.cleaned_data["new_password"],
                strategy_id=LOCAL_STRATEGY_ID,
                site_id=site_id(self.request),
                client_address=client_address(self.request),
            ),
            again=lambda problem, status: self.render(
                STEP_CHANGE_PASSWORD,
                form=NewPasswordForm(),
                token=token,
                problem=problem,
                status=status,
            ),
            # The length is checked before the token is spent.
            keeps_token=frozenset({ErrorKey.PASSWORD_TOO_SHORT}),
        )

    def attempt(
        self,
        service: Callable[[], signin.SignInResult],
        *,
        again: Callable[[Problem, int], HttpResponse],
        keeps_token: frozenset[ErrorKey] | None = None,
    ) -> HttpResponse:
        """Run one sign-in service and show where it leads.

        A refusal shows the same step again (``again``), except when the step's continuation
        token is spent by it (any key outside ``keeps_token``, when given): then the person
        starts over with the password.
        """
        try:
            result = service()
        except RateLimited as limited:
            problem = Problem(None, retry_message(limited.retry_after))
            return with_retry_after(again(problem, 429), limited)
        except DomainError as error:
            if keeps_token is not None and error.key not in keeps_token:
                return self.first_step(problem=Problem.of(error, restart=True), status=400)
            return again(Problem.of(error), 400)
        return self.show(result)


def enter(request: HttpRequest, response: HttpResponse, token: str | None) -> HttpResponse:
    """Sign the browser in: the session cookie, and a new CSRF secret for the new session."""
    sessions.set_session_cookie(response, token, request)
    rotate_token(request)
    return response


@sensitive_post_parameters("password", "new_password", "new_password_again", "code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest, *, admin: bool = False) -> HttpResponse:
    flow = LoginFlow(request, admin=admin)
    return flow.post() if request.method == "POST" else flow.get()


def admin_login_page(request: HttpRequest, extra_context=None) -> HttpResponse:
    """``AdminSite.login``: the same sign-in, coming back to the admin."""
    return login_page(request, admin=True)


@never_cache
@require_http_methods(["GET", "POST"])
def logout_page(request: HttpRequest) -> HttpResponse:
    """§1.6 ``GET /logout``: forget the session cookie and go home."""
    response = HttpResponseRedirect("/")
    sessions.clear_session_cookie(response)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def admin_logout_page(request: HttpRequest, extra_context=None) -> HttpResponse:
    """``AdminSite.logout``: sign out, back to the admin's login."""
    response = HttpResponseRedirect(ADMIN_LOGIN)
    sessions.clear_session_cookie(response)
    return response


# --- Passkey sign-in (JSON, for static/accounts/webauthn.js) -------------------------------
def json_body(request: HttpRequest) -> dict | None:
    if request.content_type != "application/json":
        return None
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def json_problem(problem: Problem, status: int) -> JsonResponse:
    return JsonResponse({"error": problem.key, "message": problem.message}, status=status)


def json_refusal(error: Exception) -> JsonResponse:
    """A service's refusal as JSON: 429 with Retry-After for a rate limit, else 400 and the key."""
    if isinstance(error, RateLimited):
        response = json_problem(Problem(None, retry_message(error.retry_after)), 429)
        return with_retry_after(response, error)
    assert isinstance(error, DomainError)
    return json_problem(Problem.of(error), 400)


BAD_JSON = Problem(None, "The request was not understood.")


@csrf_protect
@never_cache
@require_POST
def passkey_login_options(request: HttpRequest) -> JsonResponse:
    """``authenticatePasskeyGenerate`` for the page: request options for ``email``."""
    body = json_body(request)
    if body is None or not isinstance(body.get("email"), str):
        return json_problem(BAD_JSON, 400)
    try:
        options = passkeys.authentication_options(
            email=body["email"], site_id=site_id(request), client_address=client_address(request)
        )
    except (DomainError, RateLimited) as error:
        return json_refusal(error)
    return JsonResponse(options)


@csrf_protect
@never_cache
@require_POST
def passkey_login_verify(request: HttpRequest) -> JsonResponse:
    """``authenticatePasskeyVerify`` for the page: the assertion signs the browser in."""
    body = json_body(request)
    if body is None or not isinstance(body.get("credential"), dict):
        return json_problem(BAD_JSON, 400)
    try:
        result = passkeys.authenticate(
            auth_response=body["credential"], client_address=client_address(request)
        )
    except (DomainError, RateLimited) as error:
        return json_refusal(error)
    asked = body.get("next") if isinstance(body.get("next"), str) else None
    target = safe_target(request, asked) or safe_target(request, result.redirect) or "/"
    return enter(request, JsonResponse({"redirect": target}), result.jwt)
