import pytest

pytestmark = pytest.mark.django_db


def test_seed_queries_answer(admin_key_client, admin):
    r = admin_key_client("{ pages (orderBy: TITLE) { id path title } }")
    assert r.status == 200, r.body
    assert r.data == {"pages": []}
    r = admin_key_client("{ groups { id name } }")
    assert r.status == 200, r.body
    assert sorted(g["name"] for g in r.data["groups"]) == ["Administrators", "Guests", "Users"]
    r = admin_key_client('{ users (query: "john") { id name email } }')
    assert r.data == {"users": []}, r.body
    r = admin_key_client("""mutation { createUser (email: "john.doe@example.com" name: "John Doe"
      passwordRaw: "Password123" providerKey: "local" groups: ["dc0d23e6-3309-42a7-9742-6317e9a4ba7f"]
      mustChangePassword: true sendWelcomeEmail: false) { operation { succeeded message } user { id } } }""")
    assert r.data["createUser"]["operation"] == {
        "succeeded": False,
        "message": "ERR_INVALID_GROUP",
    }, r.body
