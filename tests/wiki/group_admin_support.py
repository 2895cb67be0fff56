"""Helpers of the group admin tests: the POST data of the group form and its rule rows."""

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

RULE_FIELDS = ("id", "name", "mode", "match", "path", "locales")


def change_url(group) -> str:
    return reverse("admin:accounts_group_change", args=[group.pk])


def members_url(group) -> str:
    return reverse("admin:accounts_group_members", args=[group.pk])


def row_data(rows: list[dict]) -> dict:
    """The fields the rule rows post, in row order (``locales`` as typed: text)."""
    data = {
        "rules-TOTAL_FORMS": str(len(rows)),
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for field in RULE_FIELDS:
            value = row.get(field, "")
            data[f"rules-{index}-{field}"] = ", ".join(value) if isinstance(value, list) else value
        data[f"rules-{index}-roles"] = list(row.get("roles", []))
        data[f"rules-{index}-sites"] = [str(site) for site in row.get("sites", [])]
    return data


def page_data(response) -> dict:
    """What the change page posts when saved unchanged: the form fields and the rule rows."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif value is not None:
            data[name] = str(value)
    rows = form.rule_rows
    data.update({f"rules-{key}": str(value) for key, value in rows.management_form.initial.items()})
    for row in rows.forms:
        for name in row.fields:
            value = row[name].value()
            key = row.add_prefix(name)
            data[key] = [str(v) for v in value] if isinstance(value, list | tuple) else value or ""
    return data


def save(http: Client, group, **changes) -> tuple:
    """Open the group's change page, apply ``changes`` to its POST data and save it."""
    page = http.get(change_url(group))
    assert page.status_code == 200
    data = page_data(page)
    rows = changes.pop("rows", None)
    if rows is not None:
        data = {key: value for key, value in data.items() if not key.startswith("rules-")}
        data.update(row_data(rows))
    data.update(changes)
    return http.post(change_url(group), data), data


def row_errors(response) -> list[list[str]]:
    """Each rule row's messages, in row order."""
    rows = response.context["adminform"].form.rule_rows
    return [[str(error) for error in row.non_field_errors()] for row in rows.forms]


def form_errors(response) -> list[str]:
    """The group form's own messages (field and non-field), rows excluded."""
    errors = response.context["adminform"].form.errors
    return [str(error) for messages in errors.values() for error in messages]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]
