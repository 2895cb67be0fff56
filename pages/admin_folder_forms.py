"""Forms of the folders admin: they parse what the admin typed; the folder services decide.

As in the pages admin (``pages.admin_forms``), every rule stays in ``pages.folders`` and
``pages.folder_copies``: a form only gathers the arguments of one service call, and a refusal
(``DomainError``) is shown on the field it concerns, with its contract key and in plain words.
"""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError

from wiki.errors import DomainError, ErrorKey
from wiki.models import WILDCARD_HOSTNAME, Site

from .admin_forms import PLAIN_WORDS
from .folders import clean_parent_path
from .models import TreeItem, TreeItemType

FOLDER_WORDS = {
    **PLAIN_WORDS,
    ErrorKey.INVALID_PATH: "this is not a valid folder name or path",
    ErrorKey.INVALID_FOLDER: "the folder no longer exists",
    ErrorKey.FOLDER_DUPLICATE: "a folder already exists at this path",
    ErrorKey.FOLDER_TITLE_INVALID: ('a folder title has 1 to 255 characters and none of < > "'),
    ErrorKey.FOLDER_PARENT_INVALID: (
        "the parent must be a folder of the same site and locale, outside the folder itself"
    ),
    ErrorKey.PAGE_DUPLICATE_PATH: "a page already exists at one of the new page paths",
}
FIELD_BY_KEY = {
    ErrorKey.INVALID_SITE: "site",
    ErrorKey.INVALID_INPUT: "locale",  # the only free input a folder service checks that way
    ErrorKey.FOLDER_DUPLICATE: "path_name",
    ErrorKey.FOLDER_TITLE_INVALID: "title",
    ErrorKey.FOLDER_PARENT_INVALID: "parent_path",
}
# ERR_INVALID_PATH concerns the folder's own name or its parent; the detail (pages.folders)
# says which. A path below growing too long concerns neither field: shown above the form.
PATH_FIELD_BY_DETAIL = (
    ("bad folder name", "path_name"),
    ("reserved first segment '", "path_name"),
    ("bad parent path", "parent_path"),
    ("reserved first segment:", "parent_path"),
    ("cannot be a root folder", "parent_path"),
)


def folder_error_message(error: DomainError) -> str:
    """``ERR_KEY: plain words (detail).``, as the pages admin shows its refusals."""
    words = FOLDER_WORDS.get(error.key, "the operation was refused")
    detail = f" ({error.detail})" if error.detail else ""
    return f"{error.key.value}: {words}{detail}."


def add_folder_error(form: forms.Form, error: DomainError) -> None:
    """Show ``error`` on the field it concerns, or above the form."""
    field = FIELD_BY_KEY.get(error.key)
    if error.key == ErrorKey.INVALID_PATH:
        detail = error.detail or ""
        field = next((name for words, name in PATH_FIELD_BY_DETAIL if words in detail), None)
    if field not in form.fields:
        field = None
    form.add_error(field, ValidationError(folder_error_message(error), code=error.key.value))


def _text(**kwargs) -> forms.CharField:
    # Required-ness is the service's rule: a missing value comes back with its contract key.
    return forms.CharField(required=False, **kwargs)


def _path_name() -> forms.CharField:
    return _text(
        label="Name",
        widget=forms.TextInput(attrs={"size": 40}),
        help_text="The folder's own path segment: lowercase letters, digits and '-'.",
    )


def _title() -> forms.CharField:
    return _text(widget=forms.TextInput(attrs={"size": 60}))


def _parent_path(help_text: str) -> forms.CharField:
    return _text(
        label="Parent folder", widget=forms.TextInput(attrs={"size": 60}), help_text=help_text
    )


class FolderCreateForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.order_by("hostname"), empty_label=None)
    locale = _text(initial="en", widget=forms.TextInput(attrs={"size": 8}))
    parent_path = _parent_path(
        "Full path of the parent, e.g. guides/setup; empty for the root. "
        "Missing folders on the way are created."
    )
    path_name = _path_name()
    title = _title()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        wildcard = Site.objects.filter(hostname=WILDCARD_HOSTNAME).values_list("pk", flat=True)
        self.fields["site"].initial = next(iter(wildcard), None)


class FolderRenameForm(forms.Form):
    path_name = _path_name()
    title = _title()

    def __init__(self, *args, folder: TreeItem, **kwargs) -> None:
        kwargs.setdefault("initial", {"path_name": folder.file_name, "title": folder.title})
        super().__init__(*args, **kwargs)


class TargetParentForm(forms.Form):
    """A destination parent typed as a full path in the folder's own site and locale."""

    parent_path = _parent_path("Full path of the new parent, e.g. guides; empty for the root.")

    def __init__(self, *args, folder: TreeItem, **kwargs) -> None:
        self.folder = folder
        kwargs.setdefault("initial", {"parent_path": folder.folder_path})
        super().__init__(*args, **kwargs)

    def target_parent_id(self) -> uuid.UUID | None:
        """The parent folder's id; None for the root.

        The services take a folder id; a typed path that names no folder of this site and
        locale is the contract's ERR_FOLDER_PARENT_INVALID.
        """
        path = clean_parent_path(self.cleaned_data["parent_path"])
        if not path:
            return None
        found = TreeItem.objects.filter(
            site_id=self.folder.site_id,
            locale=self.folder.locale,
            type=TreeItemType.FOLDER,
            path=path,
        ).values_list("pk", flat=True)
        target = next(iter(found), None)
        if target is None:
            raise DomainError(ErrorKey.FOLDER_PARENT_INVALID, f"no folder at {path!r}")
        return target


class FolderDuplicateForm(TargetParentForm):
    path_name = _path_name()
    title = _title()

    def __init__(self, *args, folder: TreeItem, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "parent_path": folder.folder_path,
                "path_name": f"{folder.file_name}-copy",
                "title": f"{folder.title} (copy)",
            },
        )
        super().__init__(*args, folder=folder, **kwargs)
