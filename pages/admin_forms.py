"""Forms of the pages admin: they parse what the admin typed; the page services decide.

A form only turns text into the services' input (``PageInput``, ``PagePatch``, a move's
destination). Every rule (paths, aliases, schedules, permissions) stays in the services, so the
admin accepts exactly what GraphQL accepts, and a refusal (``DomainError``) is shown on the field
it concerns, with its contract key and in plain words.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError

from wiki.errors import DomainError, ErrorKey
from wiki.models import WILDCARD_HOSTNAME, Site

from .edits import PagePatch
from .models import Page, PublishState
from .services import PageInput
from .validation import CONTENT_TYPE_BY_EDITOR

PLAIN_WORDS = {
    ErrorKey.FORBIDDEN: "your groups' page rules do not allow this here",
    ErrorKey.PAGE_UPDATE_FORBIDDEN: "your groups' page rules do not allow editing this page",
    ErrorKey.INVALID_SITE: "there is no such site",
    ErrorKey.INVALID_PATH: "this is not a valid page path",
    ErrorKey.INVALID_INPUT: "a value is not valid",
    ErrorKey.PAGE_NOT_FOUND: "the page or version no longer exists",
    ErrorKey.PAGE_DUPLICATE_PATH: "a page already exists at this locale and path",
    ErrorKey.PAGE_DUPLICATE_ALIAS: "another page of this site already has this alias",
    ErrorKey.PAGE_INVALID_ALIAS: "an alias holds only letters, digits, '-' and '_'",
    ErrorKey.PAGE_ALIAS_TOO_LONG: "the alias is longer than 255 characters",
    ErrorKey.PAGE_TITLE_MISSING: "the title is missing",
    ErrorKey.PAGE_MISSING_SCHEDULED_DATES: "a scheduled page needs a start and an end date",
}
FIELD_BY_KEY = {
    ErrorKey.INVALID_SITE: "site",
    ErrorKey.INVALID_PATH: "path",
    ErrorKey.PAGE_DUPLICATE_PATH: "path",
    ErrorKey.PAGE_DUPLICATE_ALIAS: "alias",
    ErrorKey.PAGE_INVALID_ALIAS: "alias",
    ErrorKey.PAGE_ALIAS_TOO_LONG: "alias",
    ErrorKey.PAGE_TITLE_MISSING: "title",
    ErrorKey.PAGE_MISSING_SCHEDULED_DATES: "publish_state",
}
# ERR_INVALID_INPUT covers several fields; its detail (pages.validation) says which.
FIELD_BY_DETAIL = (
    ("locale", "locale"),
    ("content", "content"),
    ("tag", "tags"),
    ("publishEndDate", "publish_end_date"),
    ("title", "title"),
    ("description", "description"),
    ("icon", "icon"),
    ("editor", "editor"),
)


def page_error_message(error: DomainError) -> str:
    """``ERR_KEY: plain words (detail).``: the key first, as the other admin pages show it."""
    words = PLAIN_WORDS.get(error.key, "the operation was refused")
    detail = f" ({error.detail})" if error.detail else ""
    return f"{error.key.value}: {words}{detail}."


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show ``error`` on the field it concerns, or above the form."""
    field = FIELD_BY_KEY.get(error.key)
    if error.key == ErrorKey.INVALID_INPUT:
        field = next((name for word, name in FIELD_BY_DETAIL if word in error.detail), None)
    if field not in form.fields:
        field = None
    form.add_error(field, ValidationError(page_error_message(error), code=error.key.value))


def parse_tags(text: str) -> list[str]:
    """Comma separated tags as a list; the service normalises and validates each one."""
    return [tag.strip() for tag in (text or "").split(",") if tag.strip()]


class SourceField(forms.CharField):
    """Text as typed, with the browser's CRLF line ends made LF (as GraphQL clients send).

    Without this, every save of an untouched textarea would look like a content change.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 20, "cols": 100}))
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


def _text(**kwargs) -> forms.CharField:
    # Required-ness is the service's rule: a missing value comes back with its contract key.
    return forms.CharField(required=False, **kwargs)


def _script(label: str, scope: str) -> SourceField:
    return SourceField(
        label=label,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 100}),
        help_text=f"Kept only where your page rules grant {scope}; otherwise ignored.",
    )


def _date(label: str) -> forms.SplitDateTimeField:
    return forms.SplitDateTimeField(
        label=label, required=False, widget=widgets.AdminSplitDateTime()
    )


class PageFieldsForm(forms.Form):
    """The fields that creating and editing share."""

    title = _text(widget=forms.TextInput(attrs={"size": 60}))
    description = _text(widget=forms.TextInput(attrs={"size": 80}))
    icon = _text()
    alias = _text(help_text="Optional short name, unique per site; empty means none.")
    tags = _text(
        widget=forms.TextInput(attrs={"size": 80}), help_text="Comma separated, e.g. guide, api"
    )
    content = SourceField()
    publish_state = forms.ChoiceField(
        label="Publish state", choices=PublishState.choices, initial=PublishState.DRAFT
    )
    publish_start_date = _date("Publish from")
    publish_end_date = _date("Publish until")
    script_css = _script("CSS", "write:styles")
    script_js_load = _script("JavaScript on load", "write:scripts")
    script_js_unload = _script("JavaScript on unload", "write:scripts")


class PageCreateForm(PageFieldsForm):
    site = forms.ModelChoiceField(queryset=Site.objects.order_by("hostname"), empty_label=None)
    locale = _text(initial="en", widget=forms.TextInput(attrs={"size": 8}))
    path = _text(widget=forms.TextInput(attrs={"size": 60}), help_text="e.g. guides/install")
    editor = forms.ChoiceField(choices=[(e, e) for e in CONTENT_TYPE_BY_EDITOR], initial="markdown")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        wildcard = Site.objects.filter(hostname=WILDCARD_HOSTNAME).values_list("pk", flat=True)
        self.fields["site"].initial = next(iter(wildcard), None)

    def page_input(self) -> PageInput:
        data = self.cleaned_data
        return PageInput(
            site_id=data["site"].pk,
            locale=data["locale"],
            path=data["path"],
            title=data["title"],
            description=data["description"],
            content=data["content"],
            editor=data["editor"],
            publish_state=data["publish_state"],
            publish_start_date=data["publish_start_date"],
            publish_end_date=data["publish_end_date"],
            alias=data["alias"] or None,
            icon=data["icon"] or None,
            tags=parse_tags(data["tags"]),
            script_css=data["script_css"] or None,
            script_js_load=data["script_js_load"] or None,
            script_js_unload=data["script_js_unload"] or None,
        )


PUBLISHING = ("publish_state", "publish_start_date", "publish_end_date")
SCRIPT_KEYS = {"script_css": "css", "script_js_load": "jsLoad", "script_js_unload": "jsUnload"}


class PageEditForm(PageFieldsForm):
    """Edits one page; only the fields the admin changed go into the patch."""

    reason_for_change = _text(
        label="Reason for change", help_text="Kept with the version this edit archives."
    )

    @property
    def changed_data(self) -> list[str]:
        # The reason describes the change; it is not a field of the page.
        return [name for name in super().changed_data if name != "reason_for_change"]

    def __init__(self, *args, page: Page, **kwargs) -> None:
        scripts = page.scripts or {}
        kwargs["initial"] = {
            "title": page.title,
            "description": page.description,
            "icon": page.icon,
            "alias": page.alias or "",
            "tags": ", ".join(page.tags or []),
            "content": page.content,
            "publish_state": page.publish_state,
            "publish_start_date": page.publish_start_date,
            "publish_end_date": page.publish_end_date,
            **{field: scripts.get(key, "") for field, key in SCRIPT_KEYS.items()},
        }
        super().__init__(*args, **kwargs)

    def page_patch(self) -> PagePatch:
        data, changed = self.cleaned_data, set(self.changed_data)
        patch = PagePatch(reason_for_change=data["reason_for_change"] or None)
        for name in ("title", "description", "icon", "alias", "content"):
            if name in changed:
                setattr(patch, name, data[name])
        if "tags" in changed:
            patch.tags = parse_tags(data["tags"])
        # The service checks a schedule only together with a state: send the three together.
        if changed & set(PUBLISHING):
            for name in PUBLISHING:
                setattr(patch, name, data[name])
        for name in SCRIPT_KEYS:
            if name in changed:
                setattr(patch, name, data[name])
        return patch


class PageMoveForm(forms.Form):
    locale = _text(widget=forms.TextInput(attrs={"size": 8}))
    path = _text(widget=forms.TextInput(attrs={"size": 60}), label="New path")
    title = _text(
        widget=forms.TextInput(attrs={"size": 60}),
        label="New title",
        help_text="Leave empty to keep the title.",
    )
