"""Regressions found by the review of the accounts domain (one test group per finding)."""

import hmac
from types import SimpleNamespace

import jwt
import pytest
from django.utils import timezone

from accounts import tokens
from accounts.models import User
from accounts.permissions import (
    AccessPolicy,
    PageContext,
    PageRule,
    is_catastrophic_regex,
)
from accounts.services import root_admin_user
from tests.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

ME = "query ($id: UUID!) { userById(id: $id) { id email } }"
USERS = "{ users { email } }"


# --- Legacy id 1 (root administrator) was handed out again after its holder was deleted -------
def test_root_admin_id_is_never_reused():
    first = User.objects.create_superuser("root@example.com", "Password123", name="Root")
    assert first.legacy_id == 1
    assert root_admin_user() == first

    first.delete()
    second = User.objects.create_superuser("next@example.com", "Password123", name="Next")

    assert root_admin_user() == second
    assert second.legacy_id not in (1, 2)
    assert not User.objects.filter(legacy_id=1).exists()


def test_later_superusers_get_ordinary_ids():
    first = User.objects.create_superuser("root@example.com", "Password123", name="Root")
    second = User.objects.create_superuser("other@example.com", "Password123", name="Other")

    assert first.legacy_id == 1
    assert second.legacy_id > 2
    assert root_admin_user() == first


def test_failed_superuser_creation_does_not_spend_id_1(monkeypatch):
    from accounts.models import UserManager

    def broken(manager, user):
        raise RuntimeError("boom")

    monkeypatch.setattr(UserManager, "make_administrator", broken)
    with pytest.raises(RuntimeError):
        User.objects.create_superuser("root@example.com", "Password123", name="Root")
    monkeypatch.undo()

    assert not User.objects.filter(email="root@example.com").exists()
    assert User.objects.create_superuser("root@example.com", "Password123").legacy_id == 1


# --- API key digests were compared with != (timing) -------------------------------------------
def test_api_key_digest_is_compared_in_constant_time(admin_key_client, admin, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)

    response = admin_key_client(ME, {"id": str(admin.pk)})

    assert response.data == {"userById": {"id": str(admin.pk), "email": admin.email}}
    stored = admin_key_client.api_key.key_digest
    assert (stored, tokens.digest(admin_key_client.token)) in calls


# --- The accepted algorithm followed GRAPHQL_JWT; the contract says RS256 only ----------------
def _signed(algorithm: str, user) -> str:
    now = int(timezone.now().timestamp())
    claims = {
        "id": str(user.pk),
        "email": user.email,
        "groups": [],
        "iat": now,
        "exp": now + 600,
        "aud": tokens.signing_keys().audience,
        "iss": tokens.ISSUER,
    }
    return jwt.encode(claims, tokens.signing_keys().private_key, algorithm=algorithm)


def test_rs256_only_whatever_graphql_jwt_says(settings, user, admin):
    settings.GRAPHQL_JWT = {**settings.GRAPHQL_JWT, "JWT_ALGORITHM": "RS512"}

    issued = tokens.issue_session_token(user)
    assert jwt.get_unverified_header(issued)["alg"] == "RS256"
    assert GraphQLClient(issued)(ME, {"id": str(user.pk)}).data == {
        "userById": {"id": str(user.pk), "email": user.email}
    }

    other = GraphQLClient(_signed("RS512", admin))(USERS)
    assert other.data == {"users": None}
    assert other.error_messages == ["ERR_NOT_AUTHENTICATED"]


# --- REGEX rules with nested unbounded quantifiers were evaluated (exponential backtracking) --
# Rules now run on RE2 (tests/accounts/test_rule_regex.py): nested quantifiers are evaluated, in
# linear time, and only what RE2 cannot express is refused.
@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("(a+)+b", "a" * 40, False),
        ("(a+)+b", "a" * 40 + "b", True),
        ("(a*)*", "", True),
        ("(?:ab+)+", "xabbb", True),
        ("((a+))*$", "b" * 40 + "!", True),
        ("(a|b+)+$", "ab" * 20 + "!", False),
        ("(x+x+)+y", "x" * 40, False),
    ],
)
def test_nested_quantifier_rules_apply_in_linear_time(pattern, path, expected):
    raw = {"mode": "ALLOW", "match": "REGEX", "path": pattern, "roles": ["read:pages"]}

    assert is_catastrophic_regex(pattern) is False
    policy = AccessPolicy.from_groups([SimpleNamespace(permissions=[], rules=[raw])])
    assert policy.rules[0].regex.pattern == pattern
    assert policy.can_at("read:pages", PageContext(None, "en", path)) is expected


@pytest.mark.parametrize("pattern", ["(?=a+)+", "(?>a+)+", "a++", r"(a)\1", r"x\Z"])
def test_patterns_re2_cannot_express_are_refused_and_grant_nothing(pattern):
    raw = {"mode": "ALLOW", "match": "REGEX", "path": pattern, "roles": ["read:pages"]}

    assert is_catastrophic_regex(pattern) is True
    policy = AccessPolicy.from_groups([SimpleNamespace(permissions=[], rules=[raw])])
    assert policy.rules[0].regex is None
    assert policy.can_at("read:pages", PageContext(None, "en", "a" * 40)) is False


@pytest.mark.parametrize(
    "pattern", ["^docs/.*", r"^(docs|misc)\b", r"\d{4}$", "(a{1,5})+", ".*.*", "x|y", "^$"]
)
def test_ordinary_regex_rules_still_apply(pattern):
    raw = {"mode": "ALLOW", "match": "REGEX", "path": pattern, "roles": ["read:pages"]}

    assert is_catastrophic_regex(pattern) is False
    assert PageRule.from_dict(raw).regex.pattern == pattern
