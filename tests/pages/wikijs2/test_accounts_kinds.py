"""The account side of import_wikijs2: settings, groups, users, memberships and API keys.

Sources are Wiki.js 2.5 databases made by tests/wikijs2/builder.py, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import legacy_keys, tokens, totp
from accounts.models import USERS_GROUP_ID, ApiKey, Group, Membership, TotpDevice, User
from accounts.services import administrators_group
from pages.wikijs2.accounts_kinds import ACCOUNT_KINDS, UsersKind
from pages.wikijs2.base import IdLedger, ImportContext, Outcome
from pages.wikijs2.run import run_import
from pages.wikijs2.source import open_source
from tests.conftest import GraphQLClient
from tests.factories import UserFactory
from tests.pages.wikijs2.conftest import ENGINES
from tests.wikijs2.builder import rule
from wiki.config import get_setting
from wiki.models import Setting, Site

pytestmark = pytest.mark.django_db

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32, as node-2fa makes them


@pytest.fixture(autouse=True)
def fresh_keys():
    tokens.forget_signing_keys()
    yield
    tokens.forget_signing_keys()


def import_accounts(source, **options):
    return run_import(source.url, kinds=ACCOUNT_KINDS, **options)


def findings(report, kind: str, outcome: Outcome | None = None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in report.findings:
        if f.kind == kind and (outcome is None or f.outcome is outcome):
            found.setdefault(f.source_id, []).append(f.reason)
    return found


def populate(src):
    """Groups 3-4 with rules, users of each kind, memberships and keys of each state; the
    API switched on."""
    src.set_setting("api", {"isEnabled": True})
    editors = src.add_group(
        "Editors",
        ["read:pages", "write:pages", "write:users", "manage:unknown"],
        [
            rule("a1b2c3d4e5", ["read:pages", "write:pages"], "START", "docs"),
            rule("f6a7b8c9d0", ["read:pages", "write:pages"], "START", "docs/secret", deny=True),
            rule("tf_3_2", ["read:pages", "write:comments", "nuke:pages"], "EXACT", "/Home"),
            rule("bad", ["read:pages"], "REGEX", "(a+)+\\1"),
        ],
        redirect_on_login="/docs",
    )
    readers = src.add_group("Readers", ["read:pages"], [rule("r", ["read:pages"], "START", "")])
    alice = src.add_user(
        "Alice@Example.com", "Alice", "AlicePassword1", groups=[editors], jobTitle="Writer",
        location="Berlin", timezone="Europe/Berlin", dateFormat="DD.MM.YYYY", appearance="dark",
        lastLoginAt="2023-05-01T10:00:00.000Z",
    )  # fmt: skip
    bob = src.add_user(
        "bob@example.com", "Bob", "BobPassword12", groups=[readers, editors],
        tfaIsActive=True, tfaSecret=TOTP_SECRET, mustChangePwd=True,
    )  # fmt: skip
    carol = src.add_user(
        "carol@example.com", "Carol", None, provider="github", groups=[readers],
        tfaIsActive=True, tfaSecret="not base32!", isVerified=False,
    )  # fmt: skip
    dave = src.add_user("dave@example.com", "D", "DavePassword1", isActive=False)
    full = src.add_api_key("ci")
    scoped = src.add_api_key("bot", full_access=False, group=editors)
    revoked = src.add_api_key("old", revoked=True)
    expired = src.add_api_key("gone", lifetime=dt.timedelta(seconds=-60))
    src.insert(
        "apiKeys", name="half", key="pending", expiration=src.now(), isRevoked=True,
        createdAt=src.now(), updatedAt=src.now(),
    )  # fmt: skip
    return {
        "editors": editors, "readers": readers, "alice": alice, "bob": bob, "carol": carol,
        "dave": dave, "full": full, "scoped": scoped, "revoked": revoked, "expired": expired,
    }  # fmt: skip


@pytest.fixture
def populated(wikijs2):
    return wikijs2, populate(wikijs2)


# --- Groups ------------------------------------------------------------------------------------
@ENGINES
def test_groups_keep_their_ids_and_rules(populated):
    src, ids = populated
    report = import_accounts(src)
    admins = Group.objects.get(legacy_id=1)
    assert admins == administrators_group()
    assert admins.permissions == ["manage:system"]
    guests = Group.objects.get(legacy_id=2)
    assert [r["legacyId"] for r in guests.rules] == ["guest"]
    assert guests.rules[0]["mode"] == "ALLOW"
    editors = Group.objects.get(legacy_id=ids["editors"])
    assert ids["editors"] == 3
    assert editors.pk != USERS_GROUP_ID
    users_group = Group.objects.get(pk=USERS_GROUP_ID)
    assert users_group.legacy_id > ids["readers"]
    assert editors.permissions == ["read:pages", "write:pages", "write:users"]
    assert editors.redirect_on_login == "/docs"
    assert [(r["legacyId"], r["mode"], r["path"], r["roles"]) for r in editors.rules] == [
        ("a1b2c3d4e5", "ALLOW", "docs", ["read:pages", "write:pages"]),
        ("f6a7b8c9d0", "DENY", "docs/secret", ["read:pages", "write:pages"]),
        ("tf_3_2", "ALLOW", "home", ["read:pages", "write:comments"]),
    ]
    reasons = " | ".join(findings(report, "groups")["3"])
    assert "Users group now has legacy id" in reasons
    assert "manage:unknown" in reasons
    assert "nuke:pages" in reasons
    assert "ALLOW rule 'bad' left out" in reasons


@ENGINES
def test_a_group_whose_deny_rule_cannot_be_kept_is_skipped(wikijs2):
    group = wikijs2.add_group("Locked", ["read:pages"], [
        rule("ok", ["read:pages"], "START", ""),
        rule("no", ["read:pages"], "REGEX", "(a+)+\\1", deny=True),
    ])  # fmt: skip
    user = wikijs2.add_user("member@example.com", "Member", groups=[group])
    report = import_accounts(wikijs2)
    assert not Group.objects.filter(legacy_id=group).exists()
    assert "a DENY rule has no equivalent" in " ".join(
        findings(report, "groups", Outcome.SKIPPED)[str(group)]
    )
    member = User.objects.get(legacy_id=user)
    assert list(member.groups.all()) == []
    assert findings(report, "memberships", Outcome.SKIPPED)


def test_an_id_this_server_gave_out_is_not_taken(wikijs2):
    ours = [Group.objects.create(name=f"Ours {n}") for n in range(2)]  # legacy 4 and 5
    for n in range(3):
        wikijs2.add_group(f"Theirs {n}", ["read:pages"], [])  # 3, 4, 5
    report = import_accounts(wikijs2)
    for group in ours:
        group.refresh_from_db()
        assert group.name.startswith("Ours")
    assert Group.objects.get(legacy_id=3).name == "Theirs 0"
    skipped = findings(report, "groups", Outcome.SKIPPED)
    assert set(skipped) == {"4", "5"}


# --- Users -------------------------------------------------------------------------------------
@ENGINES
def test_users_and_their_fields(populated):
    src, ids = populated
    report = import_accounts(src)
    alice = User.objects.get(legacy_id=ids["alice"])
    assert alice.email == "alice@example.com"
    assert alice.password.startswith("wikijs2_bcrypt$$2a$")
    assert alice.meta["jobTitle"] == "Writer"
    assert alice.meta["location"] == "Berlin"
    assert alice.prefs["timezone"] == "Europe/Berlin"
    assert alice.prefs["dateFormat"] == "DD.MM.YYYY"
    assert alice.prefs["appearance"] == "dark"
    assert alice.last_login == dt.datetime(2023, 5, 1, 10, tzinfo=dt.UTC)
    assert alice.created_at.year == 2023
    assert alice.is_active
    assert alice.is_verified
    assert not alice.tfa_required
    assert list(alice.groups.values_list("legacy_id", flat=True)) == [ids["editors"]]

    bob = User.objects.get(legacy_id=ids["bob"])
    assert bob.must_change_password
    device = TotpDevice.objects.get(user=bob)
    assert device.confirmed
    assert totp.secret_of(device) == legacy_secret()
    assert TOTP_SECRET not in device.sealed_key

    carol = User.objects.get(legacy_id=ids["carol"])
    assert not carol.has_usable_password()
    assert carol.tfa_required
    assert not carol.is_verified
    assert not TotpDevice.objects.filter(user=carol).exists()
    dave = User.objects.get(legacy_id=ids["dave"])
    assert not dave.is_active
    assert dave.name == "dave"

    users = findings(report, "users")
    assert "signs in through 'github'" in " ".join(users[str(ids["carol"])])
    assert "must be set up again" in " ".join(users[str(ids["carol"])])
    assert "too short" in " ".join(users[str(ids["dave"])])
    assert "localeCode" in " ".join(users["*"])
    # Imported users have their Wiki.js groups only: not this server's Users group.
    assert not Membership.objects.filter(group_id=USERS_GROUP_ID, user=alice).exists()


def legacy_secret() -> bytes:
    import base64

    return base64.b32decode(TOTP_SECRET)


def test_the_root_administrator_and_the_guest(wikijs2):
    ours = User.objects.create_superuser("root@example.org", "OurPassword1")
    assert ours.legacy_id == 1
    report = import_accounts(wikijs2)
    ours.refresh_from_db()
    assert ours.email == "admin@example.com"
    assert ours.password.startswith("wikijs2_bcrypt$")
    assert "root administrator root@example.org" in " ".join(findings(report, "users")["1"])
    assert list(ours.groups.values_list("legacy_id", flat=True)) == [1]
    guest = User.objects.get(legacy_id=2)
    assert guest.email == "guest@example.com"
    assert not guest.has_usable_password()
    assert guest.is_system


def test_a_root_administrator_is_created_when_none_exists(wikijs2):
    import_accounts(wikijs2)
    root = User.objects.get(legacy_id=1)
    assert get_setting("auth")["rootAdminUserId"] == str(root.pk)
    assert root.is_superuser


def test_an_email_taken_here_is_skipped(wikijs2):
    UserFactory(email="taken@example.com")  # legacy id 3
    wikijs2.add_user("filler@example.com", "Filler")  # 3: taken here too
    duplicate = wikijs2.add_user("taken@example.com", "Taken")
    report = import_accounts(wikijs2)
    assert "belongs to another user here" in findings(report, "users")[str(duplicate)][0]
    assert User.objects.filter(email="taken@example.com").count() == 1
    assert not User.objects.filter(legacy_id=duplicate).exists()


def _users_batch_queries(src, count: int, offset: int) -> int:
    rows = [
        {**src.row("users", 1), "id": 100 + offset + n, "email": f"u{offset + n}@example.com",
         "tfaIsActive": n % 2 == 0, "tfaSecret": TOTP_SECRET}
        for n in range(count)
    ]  # fmt: skip
    source = open_source(src.url)
    try:
        ctx = ImportContext(
            source=source, site=Site.objects.get(hostname="*"), dry_run=False, batch_size=count,
            ledger=IdLedger(),
        )  # fmt: skip
        ctx.notes["accounts.userDefaults"] = get_setting("userDefaults")
        with CaptureQueriesContext(connection) as queries:
            UsersKind().import_batch(rows, ctx)
        assert User.objects.filter(legacy_id__gte=100 + offset).count() == count
    finally:
        source.close()
    return len(queries)


@ENGINES
def test_a_batch_of_users_costs_the_same_queries_whatever_its_size(wikijs2):
    small = _users_batch_queries(wikijs2, 20, 0)
    large = _users_batch_queries(wikijs2, 200, 1000)
    if connection.vendor == "sqlite":
        # SQLite takes at most 999 parameters a statement: Django splits each bulk write of
        # users (about 25 columns) into statements of 39 rows, and nothing else grows.
        assert small <= large <= small + (200 - 20) // 39
    else:
        assert large == small


# --- Passwords ---------------------------------------------------------------------------------
LOGIN = """mutation ($username: String!, $password: String!) {
  authentication { login(username: $username, password: $password, strategy: "local") {
    responseResult { succeeded slug } jwt } } }"""


@ENGINES
def test_an_imported_user_signs_in_with_their_old_password(production_hashers, populated):
    src, ids = populated
    import_accounts(src)
    client = GraphQLClient(url="/graphql")
    wrong = client(LOGIN, {"username": "alice@example.com", "password": "AlicePassword2"})
    assert not wrong.data["authentication"]["login"]["responseResult"]["succeeded"]
    right = client(LOGIN, {"username": "alice@example.com", "password": "AlicePassword1"})
    assert right.data["authentication"]["login"]["responseResult"]["succeeded"], right.body
    alice = User.objects.get(legacy_id=ids["alice"])
    assert alice.password.startswith("argon2$")
    # A re-run keeps the password she has used here since.
    import_accounts(src)
    alice.refresh_from_db()
    assert alice.password.startswith("argon2$")


# --- What the rules mean -----------------------------------------------------------------------
PERMISSIONS_AT = (
    "query ($site: UUID!, $path: String!) { userPermissionsAtPath(siteId: $site, path: $path) }"
)


def test_a_member_of_an_imported_group_holds_what_its_rules_allow(populated):
    src, ids = populated
    import_accounts(src)
    alice = User.objects.get(legacy_id=ids["alice"])
    client = GraphQLClient(tokens.issue_session_token(alice))
    site = str(Site.objects.get(hostname="*").pk)

    def roles(path):
        r = client(PERMISSIONS_AT, {"site": site, "path": path})
        assert not r.errors, r.body
        return set(r.data["userPermissionsAtPath"])

    assert {"read:pages", "write:pages"} <= roles("docs/guide")
    assert not {"read:pages", "write:pages"} & roles("docs/secret/plans")
    assert "read:pages" in roles("home")
    assert "read:pages" not in roles("elsewhere")


# --- API keys ----------------------------------------------------------------------------------
V2_GROUPS = "{ groups { list { id name } } }"
V3_PERMISSIONS = "{ userPermissions }"


@ENGINES
def test_api_keys_are_imported_without_the_key(populated):
    src, ids = populated
    report = import_accounts(src)
    full = ApiKey.objects.get(legacy_id=ids["full"][0])
    assert full.key_digest == tokens.digest(ids["full"][1])
    assert full.key_short == "..." + ids["full"][1][-20:]
    assert full.group_ids == [str(administrators_group().pk)]
    scoped = ApiKey.objects.get(legacy_id=ids["scoped"][0])
    assert scoped.group_ids == [str(Group.objects.get(legacy_id=ids["editors"]).pk)]
    assert ApiKey.objects.get(legacy_id=ids["revoked"][0]).is_revoked
    assert ApiKey.objects.get(legacy_id=ids["expired"][0]).is_expired
    assert "pending" in " ".join(findings(report, "apiKeys", Outcome.SKIPPED)["5"])
    stored = str(list(ApiKey.objects.values()))
    assert ids["full"][1] not in stored
    store = Setting.objects.get(key=legacy_keys.STORE_KEY).value
    assert store["audience"] == "urn:wiki.js"
    assert store["private"].startswith("sealed:v1:")
    assert src.passphrase not in str(Setting.objects.values_list("value", flat=True)[::1])


@ENGINES
def test_an_imported_key_calls_both_endpoints(populated):
    src, ids = populated
    import_accounts(src)
    token = ids["full"][1]
    v2 = GraphQLClient(token, url="/graphql")(V2_GROUPS)
    assert v2.status == 200, v2.body
    assert {g["id"] for g in v2.data["groups"]["list"]} >= {1, 2, 3, 4}
    v3 = GraphQLClient(token)(V3_PERMISSIONS)
    assert v3.status == 200, v3.body
    assert "manage:system" in v3.data["userPermissions"]
    scoped = GraphQLClient(ids["scoped"][1])(V3_PERMISSIONS)
    assert scoped.data["userPermissions"] == ["read:pages", "write:pages", "write:users"]


def test_refused_keys(populated):
    src, ids = populated
    import_accounts(src)
    for endpoint in ("/graphql", "/_graphql"):
        revoked = GraphQLClient(ids["revoked"][1], url=endpoint)(V3_PERMISSIONS)
        assert revoked.status == 401, (endpoint, revoked.body)
    # Signed by the same key pair but not a key the source holds (its digest differs).
    forged = src.sign({"api": ids["full"][0], "grp": 1}, dt.timedelta(days=1))
    assert GraphQLClient(forged)(V3_PERMISSIONS).status == 401
    ApiKey.objects.filter(legacy_id=ids["full"][0]).update(
        expiration=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert GraphQLClient(ids["full"][1])(V3_PERMISSIONS).status == 401


def guest_answer(token: str) -> bool:
    """Whether ``token`` makes a guest request (no error, no permissions) on both endpoints."""
    v3 = GraphQLClient(token)(V3_PERMISSIONS)
    v2 = GraphQLClient(token, url="/graphql")(V2_GROUPS)
    return (
        v3.status == 200
        and not v3.data["userPermissions"]
        and v2.status == 200
        and (not (v2.data or {}).get("groups") or not v2.data["groups"]["list"])
    )


def test_tokens_that_are_not_imported_keys_make_guest_requests(populated):
    from cryptography.hazmat.primitives.asymmetric import rsa

    src, ids = populated
    import_accounts(src)
    assert guest_answer(ids["expired"][1])
    assert guest_answer(src.session_token(1))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"api": ids["full"][0], "grp": 1, "iss": "urn:wiki.js", "aud": "urn:wiki.js",
              "iat": 1, "exp": 4102444800}  # fmt: skip
    import jwt

    assert guest_answer(jwt.encode(claims, other, algorithm="RS256"))
    assert guest_answer(
        jwt.encode(claims, "a-shared-secret-of-32-bytes-or-more!", algorithm="HS256")
    )
    src.audience = "urn:other"
    assert guest_answer(src.sign({"api": ids["full"][0], "grp": 1}, dt.timedelta(days=1)))


def test_our_own_tokens_cost_no_extra_query(populated, admin):
    src, _ = populated
    import_accounts(src)
    client = GraphQLClient(tokens.issue_session_token(admin))
    client(V3_PERMISSIONS)
    with CaptureQueriesContext(connection) as queries:
        client(V3_PERMISSIONS)
    assert not any(legacy_keys.STORE_KEY in q["sql"] for q in queries.captured_queries)


def test_a_key_revoked_here_stays_revoked_when_the_import_runs_again(populated):
    src, ids = populated
    import_accounts(src)
    key_id, token = ids["full"]
    assert GraphQLClient(token)(V3_PERMISSIONS).status == 200
    ApiKey.objects.filter(legacy_id=key_id).update(is_revoked=True)

    import_accounts(src)

    assert ApiKey.objects.get(legacy_id=key_id).is_revoked
    assert GraphQLClient(token)(V3_PERMISSIONS).status == 401


def test_a_user_deactivated_here_stays_inactive_when_the_import_runs_again(populated):
    src, _ = populated
    alice = src.add_user("alice.reactivation@example.com", "Alice R")
    import_accounts(src)
    User.objects.filter(legacy_id=alice).update(is_active=False)

    report = import_accounts(src)

    assert not User.objects.get(legacy_id=alice).is_active
    assert "not reactivated" in findings(report, "users", Outcome.ADJUSTED)[str(alice)][0]


def test_a_running_server_notices_an_import(populated, monkeypatch):
    src, ids = populated
    token = ids["full"][1]
    assert guest_answer(token)  # nothing imported yet: this process looked and found nothing
    # The import runs in another process: this one keeps what it found when it looked.
    with monkeypatch.context() as elsewhere:
        elsewhere.setattr(legacy_keys, "forget", lambda: None)
        import_accounts(src)
    assert guest_answer(token)  # looked less than RECHECK_SECONDS ago
    monkeypatch.setattr(legacy_keys, "RECHECK_SECONDS", 0.0)
    assert GraphQLClient(token)(V3_PERMISSIONS).status == 200


def test_the_importing_process_honours_the_keys_at_once(populated):
    src, ids = populated
    assert guest_answer(ids["full"][1])
    import_accounts(src)
    assert GraphQLClient(ids["full"][1])(V3_PERMISSIONS).status == 200


def test_a_key_pair_that_does_not_open_is_reported(wikijs2):
    key_id, token = wikijs2.add_api_key("ci")
    wikijs2.set_setting("sessionSecret", "not-the-passphrase")
    report = import_accounts(wikijs2)
    assert "does not open" in findings(report, "settings", Outcome.SKIPPED)["certs"][0]
    assert "unusable" in findings(report, "apiKeys", Outcome.SKIPPED)[str(key_id)][0]
    assert not Setting.objects.filter(key=legacy_keys.STORE_KEY).exists()


def test_a_mismatched_public_key_is_refused(wikijs2):
    from tests.wikijs2.builder import make_key_pair

    _, other = make_key_pair("x")
    _, mine = make_key_pair(wikijs2.passphrase)
    wikijs2.set_setting("certs", {**mine, "public": other["public"]})
    report = import_accounts(wikijs2)
    assert "not the private key's" in findings(report, "settings", Outcome.SKIPPED)["certs"][0]


# --- Settings ----------------------------------------------------------------------------------
@ENGINES
def test_site_settings_with_an_equivalent(wikijs2):
    wikijs2.set_setting("api", {"isEnabled": True})
    wikijs2.set_setting("auth", {"audience": "urn:acme", "tokenExpiration": "45m",
                                 "tokenRenewal": "7d", "enforce2FA": True})  # fmt: skip
    wikijs2.set_setting("mail", {"senderName": "Wiki", "senderEmail": "wiki@acme.test",
                                 "host": "smtp.acme.test", "port": 587, "secure": False,
                                 "verifySSL": True, "user": "wiki", "pass": "smtp-secret",
                                 "useDKIM": False})  # fmt: skip
    wikijs2.set_setting("seo", {"description": "All about Acme", "robots": ["noindex", "follow"]})
    report = import_accounts(wikijs2)
    site = Site.objects.get(hostname="*")
    assert site.title == "Acme Wiki"
    assert site.config["description"] == "All about Acme"
    assert site.config["robots"] == {"index": False, "follow": True}
    assert get_setting("api")["isEnabled"] is True
    auth = get_setting("auth")
    assert (auth["tokenExpiration"], auth["tokenRenewal"]) == ("45m", "7d")
    assert auth["audience"] == "urn:wiki.js"  # ours: the source's goes with its key pair
    assert Setting.objects.get(key=legacy_keys.STORE_KEY).value["audience"] == "urn:acme"
    mail = get_setting("mail")
    assert mail["host"] == "smtp.acme.test"
    assert mail["port"] == 587
    assert mail["defaultBaseURL"] == "https://wiki.example.com"
    assert mail["pass"].startswith("sealed:v1:")
    assert "smtp-secret" not in mail["pass"]
    skipped = findings(report, "settings", Outcome.SKIPPED)
    assert {"features", "logoUrl", "uploads", "telemetry"} <= set(skipped)
    assert "sessionSecret" not in skipped


# --- Runs --------------------------------------------------------------------------------------
def state():
    return (
        sorted(Group.objects.values_list("legacy_id", "name", "permissions", "rules")),
        sorted(User.objects.values_list("legacy_id", "email", "name", "is_active", "prefs")),
        sorted(Membership.objects.values_list("user__legacy_id", "group__legacy_id")),
        sorted(ApiKey.objects.values_list("legacy_id", "key_digest", "is_revoked")),
        TotpDevice.objects.count(),
    )


@ENGINES
def test_a_rerun_updates_and_never_duplicates(populated):
    src, ids = populated
    first = import_accounts(src)
    after_first = state()
    late = src.add_user("late@example.com", "Late", groups=[ids["readers"]])
    src.execute('DELETE FROM "userGroups" WHERE "userId" = %s', [ids["bob"]])
    src.update("users", ids["alice"], name="Alice Moved")
    second = import_accounts(src)
    assert User.objects.get(legacy_id=ids["alice"]).name == "Alice Moved"
    assert not Membership.objects.filter(user__legacy_id=ids["bob"]).exists()
    assert list(User.objects.get(legacy_id=late).groups.values_list("legacy_id", flat=True)) == [
        ids["readers"]
    ]
    assert User.objects.count() == len(after_first[1]) + 1
    assert ApiKey.objects.count() == len(after_first[3])
    after_second = state()
    third = import_accounts(src)
    assert state() == after_second
    by_kind = {k.name: k for k in third.kinds}
    assert by_kind["users"].created == 0
    assert by_kind["users"].updated == 0
    assert by_kind["apiKeys"].created == 0
    assert by_kind["groups"].created == 0
    assert by_kind["memberships"].created == 0
    for report in (first, second, third):
        assert report.complete, report.kinds


@ENGINES
def test_a_dry_run_changes_nothing(populated):
    src, _ = populated
    before = state()
    settings_before = sorted(Setting.objects.values_list("key", "value"))
    report = import_accounts(src, dry_run=True)
    assert {k.name: k.created for k in report.kinds}["users"] == 5  # users 1 and 3-6
    assert state() == before
    assert sorted(Setting.objects.values_list("key", "value")) == settings_before
