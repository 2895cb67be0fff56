"""``accounts.totp``: sealed secrets, codes accepted once, the otpauth URI and its QR code."""

import base64
import time
from xml.etree import ElementTree

import pytest
from django.test import override_settings

from accounts import totp
from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy, TotpDevice
from tests.api.signin.support import code, current_step, give_totp
from tests.factories import UserFactory, default_site
from wiki import secrets

pytestmark = pytest.mark.django_db


def local():
    return AuthStrategy.objects.get(pk=LOCAL_STRATEGY_ID)


def test_a_new_secret_is_160_random_bits_sealed():
    user = UserFactory(tfa_required=True)

    result = totp.second_factor_step(user, strategy=local(), site=default_site())

    device = TotpDevice.objects.get(user=user)
    secret = totp.secret_of(device)
    assert len(secret) == 20
    assert secrets.is_sealed(device.sealed_key)
    for clear in (secret.hex(), base64.b32encode(secret).decode().rstrip("=")):
        assert clear not in device.sealed_key
        assert clear not in result.tfa_qr_image  # the QR code is a picture, not text
    with override_settings(SECRET_KEY="another-secret-key-" * 4, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(secrets.SecretUnreadable):
            totp.secret_of(device)


def test_no_second_factor_unless_active_or_required():
    user = UserFactory()

    assert totp.second_factor_step(user, strategy=local(), site=default_site()) is None
    assert not TotpDevice.objects.filter(user=user).exists()


def test_each_code_is_accepted_once_and_only_going_forward():
    user = UserFactory()
    secret = give_totp(user)
    now = time.time()

    assert totp.verify_code(user, LOCAL_STRATEGY_ID, code(secret, at=now), setup=False)
    assert TotpDevice.objects.get(user=user).last_t == current_step(now)
    assert not totp.verify_code(user, LOCAL_STRATEGY_ID, code(secret, at=now), setup=False)
    TotpDevice.objects.filter(user=user).update(throttling_failure_timestamp=None)
    assert totp.verify_code(user, LOCAL_STRATEGY_ID, code(secret, steps=1, at=now), setup=False)
    assert TotpDevice.objects.get(user=user).last_t == current_step(now) + 1


def test_a_code_is_checked_against_this_strategys_device_only():
    user = UserFactory()
    secret = give_totp(user)
    other = AuthStrategy.objects.create(module="local", display_name="Second", is_enabled=True)

    assert not totp.verify_code(user, other.pk, code(secret), setup=False)
    assert totp.verify_code(user, LOCAL_STRATEGY_ID, code(secret), setup=False)


def test_is_active_means_a_confirmed_device():
    user = UserFactory()
    assert totp.is_active(user, LOCAL_STRATEGY_ID) is False
    give_totp(user, confirmed=False)
    assert totp.is_active(user, LOCAL_STRATEGY_ID) is False
    give_totp(user, confirmed=True)
    assert totp.is_active(user, LOCAL_STRATEGY_ID) is True


def test_the_otpauth_uri():
    secret = bytes(range(20))
    site = default_site()
    site.config = {**site.config, "title": "Team Docs"}

    assert totp.otpauth_uri("a+b@example.com", secret, site) == (
        "otpauth://totp/TeamDocs:a+b@example.com?secret=AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT"
        "&issuer=TeamDocs"
    )
    # Characters that would end the label early are escaped, and a title of nothing
    # but dropped characters falls back to a plain label.
    site.config["title"] = " - . ! "
    assert totp.otpauth_uri("we?ird#x@example.com", secret, site).startswith(
        "otpauth://totp/Wiki:we%3Fird%23x@example.com?secret="
    )
    assert totp.qr_label(None) == "Wiki"


def test_the_qr_code_is_complete_svg_markup():
    svg = totp.qr_svg("a@example.com", bytes(20), default_site())

    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")


def test_reseal_all_moves_secrets_to_the_current_key():
    old_key = "the-old-secret-key-" * 4
    user = UserFactory()
    with override_settings(SECRET_KEY=old_key):
        secret = give_totp(user)
    untouched = UserFactory()
    give_totp(untouched)
    sealed_before = TotpDevice.objects.get(user=untouched).sealed_key

    with override_settings(SECRET_KEY_FALLBACKS=[old_key]):
        assert totp.reseal_all() == 1

    device = TotpDevice.objects.get(user=user)
    assert secrets.opens_with_current_key(device.sealed_key, totp.SEAL_PURPOSE)
    assert totp.secret_of(device) == secret  # now without the fallback
    assert TotpDevice.objects.get(user=untouched).sealed_key == sealed_before
