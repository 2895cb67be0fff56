"""Documents and a full database snapshot for the user-management tests (API.md §4.3.2)."""

from __future__ import annotations

from accounts.models import Membership, User
from pages.models import Page, PageHistory
from tests.conftest import GraphQLClient

from .permission_support import snapshot

OPERATION = "operation { succeeded slug message }"
UPDATE_USER = f"""mutation ($id: UUID!, $patch: UserUpdateInput!) {{
  updateUser(id: $id, patch: $patch) {{ {OPERATION} }} }}"""
DELETE_USER = f"""mutation ($id: UUID!, $replaceId: UUID!) {{
  deleteUser(id: $id, replaceId: $replaceId) {{ {OPERATION} }} }}"""
CHANGE_USER_PASSWORD = f"""mutation ($id: UUID!, $newPassword: String!, $must: Boolean) {{
  changeUserPassword(id: $id, newPassword: $newPassword, mustChangePassword: $must) {{
    {OPERATION} }} }}"""
# The operations taking only the user's id.
BY_ID_OPERATIONS = [
    "verifyUser",
    "activateUser",
    "deactivateUser",
    "enableUserTFA",
    "disableUserTFA",
]
ALL_OPERATIONS = ["updateUser", "deleteUser", "changeUserPassword", *BY_ID_OPERATIONS]
UNKNOWN_ID = "4b0a57a5-3c09-4b5e-9a41-1f1c3c7f1d00"


def by_id(operation: str) -> str:
    return f"mutation ($id: UUID!) {{ {operation}(id: $id) {{ {OPERATION} }} }}"


def call(client: GraphQLClient, operation: str, target, **arguments) -> dict:
    """Run ``operation`` against ``target`` (a user or an id) with harmless default arguments.

    Returns the operation payload, after checking that the request itself went through.
    """
    target_id = str(getattr(target, "pk", target))
    if operation == "updateUser":
        variables = {"id": target_id, "patch": arguments.get("patch", {"name": "Renamed User"})}
        document = UPDATE_USER
    elif operation == "deleteUser":
        variables = {"id": target_id, "replaceId": str(arguments["replace"].pk)}
        document = DELETE_USER
    elif operation == "changeUserPassword":
        variables = {"id": target_id, "newPassword": arguments.get("password", "NewPassword1")}
        document = CHANGE_USER_PASSWORD
    else:
        variables = {"id": target_id}
        document = by_id(operation)
    response = client(document, variables)
    assert response.status == 200, response.body
    assert response.errors == [], response.body
    return response.data[operation]


def refused(key: str) -> dict:
    return {"operation": {"succeeded": False, "slug": key, "message": key}}


def assert_ok(payload: dict) -> None:
    operation = payload["operation"]
    assert (operation["succeeded"], operation["slug"]) == (True, "ok"), payload


def full_snapshot() -> dict:
    """Every row these operations could touch, column by column, and the shared snapshot."""
    return {
        "shared": snapshot(),
        "users": [
            {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}
            for user in User.objects.order_by("pk")
        ],
        "memberships": sorted(
            (str(user), str(group))
            for user, group in Membership.objects.values_list("user_id", "group_id")
        ),
        "pages": sorted(
            tuple(str(value) for value in row)
            for row in Page.objects.values_list("pk", "author_id", "creator_id", "owner_id")
        ),
        "history": sorted(
            (str(pk), str(author))
            for pk, author in PageHistory.objects.values_list("pk", "author_id")
        ),
    }
