"""Shared pieces of the sign-in tests: documents, real TOTP codes, tokens as the client sees."""

from __future__ import annotations

import os
import time

from django_otp.oath import TOTP

from accounts import continuation, totp
from accounts.models import LOCAL_STRATEGY_ID, TotpDevice, UserKey
from tests.factories import default_site
from wiki import secrets

LOCAL = str(LOCAL_STRATEGY_ID)
AUTH_FIELDS = (
    "operation { succeeded slug message } jwt nextAction continuationToken redirect tfaQRImage"
)

LOGIN = f"""
mutation ($username: String!, $password: String!, $strategyId: UUID!, $siteId: UUID!) {{
  login(username: $username, password: $password, strategyId: $strategyId, siteId: $siteId) {{
    {AUTH_FIELDS}
  }}
}}"""

LOGIN_TFA = f"""
mutation ($token: String!, $code: String!, $strategyId: UUID!, $siteId: UUID!, $setup: Boolean) {{
  loginTFA(continuationToken: $token, securityCode: $code, strategyId: $strategyId,
           siteId: $siteId, setup: $setup) {{
    {AUTH_FIELDS}
  }}
}}"""

SETUP_TFA = """
mutation ($strategyId: UUID!, $siteId: UUID!) {
  setupTFA(strategyId: $strategyId, siteId: $siteId) {
    operation { succeeded slug message } continuationToken tfaQRImage
  }
}"""

DEACTIVATE_TFA = """
mutation ($strategyId: UUID!) {
  deactivateTFA(strategyId: $strategyId) { operation { succeeded slug message } }
}"""

CHANGE_PASSWORD = f"""
mutation ($token: String, $current: String, $new: String!, $strategyId: UUID!, $siteId: UUID!) {{
  changePassword(continuationToken: $token, currentPassword: $current, newPassword: $new,
                 strategyId: $strategyId, siteId: $siteId) {{
    {AUTH_FIELDS}
  }}
}}"""

USER_AUTH = "query ($id: UUID!) { userById(id: $id) { auth { config } } }"
DISABLE_USER_TFA = """
mutation ($id: UUID!) { disableUserTFA(id: $id) { operation { succeeded slug } } }"""

PASSWORD = "Password123"  # tests.factories.UserFactory's


def site_id() -> str:
    return str(default_site().pk)


def login_variables(email: str, password: str = PASSWORD, **changes) -> dict:
    variables = {
        "username": email,
        "password": password,
        "strategyId": LOCAL,
        "siteId": site_id(),
    }
    variables.update(changes)
    return variables


def tfa_variables(token: str, code: str, *, setup: bool | None = None, **changes) -> dict:
    variables = {"token": token, "code": code, "strategyId": LOCAL, "siteId": site_id()}
    if setup is not None:
        variables["setup"] = setup
    variables.update(changes)
    return variables


def failed(key: str) -> dict:
    return {"succeeded": False, "slug": key, "message": key}


def nothing_but(operation: dict) -> dict:
    """An ``AuthenticationAuthResponse`` carrying only ``operation``."""
    return {
        "operation": operation,
        "jwt": None,
        "nextAction": None,
        "continuationToken": None,
        "redirect": None,
        "tfaQRImage": None,
    }


def give_totp(user, *, confirmed: bool = True, secret: bytes | None = None) -> bytes:
    """A TOTP device for ``user`` on the local strategy, as ``totp`` stores one."""
    secret = secret or os.urandom(20)
    TotpDevice.objects.update_or_create(
        user=user,
        strategy_id=LOCAL_STRATEGY_ID,
        defaults={
            "name": "TOTP",
            "sealed_key": secrets.seal(secret, totp.SEAL_PURPOSE),
            "confirmed": confirmed,
            "last_t": -1,
        },
    )
    return secret


def stored_secret(user) -> bytes:
    """The secret of the user's device, unsealed as the server does."""
    return totp.secret_of(TotpDevice.objects.get(user=user, strategy_id=LOCAL_STRATEGY_ID))


def code(secret: bytes, *, steps: int = 0, at: float | None = None) -> str:
    """The code an authenticator app shows, ``steps`` time steps from now."""
    generator = TOTP(secret, step=30, digits=6)
    generator.time = (at if at is not None else time.time()) + steps * 30
    return f"{generator.token():06d}"


def current_step(at: float | None = None) -> int:
    return int((at if at is not None else time.time()) // 30)


def token_for(user, kind, *, strategy_id=LOCAL_STRATEGY_ID) -> str:
    return continuation.issue(user, kind, strategy_id=strategy_id)


def keys_of(user) -> list[tuple[str, dict]]:
    return sorted(UserKey.objects.filter(user=user).values_list("kind", "meta"))
