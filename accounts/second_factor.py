"""The admin's second-factor rule (issue 9): an account that has a second factor enters the
administration only with a session that used one.

An account with a confirmed TOTP device or a registered passkey has a second factor. The
session token records how it was signed in to (its ``amr`` claim, ``accounts.tokens``): a
TOTP code after the password, or a passkey (which verifies the person by itself). A session
from a password alone, a reset link or a verification mail does not open the admin to such an
account, whatever signed it in: the API's ``login`` and the sign-in page issue the same tokens.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from . import tokens
from .middleware import sign_in_methods
from .models import Passkey, TotpDevice, User


def has_second_factor(user: User) -> bool:
    """Whether ``user`` has a confirmed TOTP device or a passkey (one query)."""
    return (
        User.objects.filter(pk=user.pk)
        .filter(
            Exists(TotpDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
            | Exists(Passkey.objects.filter(user=OuterRef("pk")))
        )
        .exists()
    )


def second_factor_satisfied(request: HttpRequest) -> bool:
    """False for a signed-in account with a second factor whose session did not use one."""
    user = request.user
    if not user.is_authenticated:
        return True  # nobody is signed in: the admin's own check refuses already
    if tokens.SECOND_FACTORS & set(sign_in_methods(request)):
        return True
    return not has_second_factor(user)
