"""The admin's group form: permissions as grouped checkboxes, page rules as ordered rows.

Every row is checked by the validator of ``updateGroup`` (``accounts.group_rules.clean_rule``)
and its message is shown on that row; the admin then saves through ``accounts.groups`` so the
admin and the API store exactly the same things.
"""

from __future__ import annotations

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import BaseFormSet, formset_factory

from wiki.models import Site

from . import scopes
from .forms import _domain_clean
from .group_rules import clean_permissions, clean_rule, default_rules
from .groups import check_permission_change
from .models import Group
from .permissions import Caller, RuleMatch, RuleMode
from .validation import clean_label

# What each scope allows (API.md §3.1), shown beside its checkbox.
SCOPE_MEANINGS = {
    scopes.ACCESS_ADMIN: "open the administration area",
    scopes.MANAGE_USERS: "create and manage users (not those holding manage:system)",
    scopes.MANAGE_GROUPS: "manage groups, their permissions and page rules; assign users",
    scopes.MANAGE_NAVIGATION: "manage site navigation",
    scopes.MANAGE_THEME: "modify the site theme",
    scopes.MANAGE_SITES: "create and manage sites",
    scopes.MANAGE_SYSTEM: "root administrator: passes every check, pages included",
    scopes.READ_PAGES: "view pages, find them in lists, tree and search",
    scopes.WRITE_PAGES: "create and edit pages; create folders",
    scopes.REVIEW_PAGES: "review submitted edits",
    scopes.MANAGE_PAGES: "move pages; rename and move folders",
    scopes.DELETE_PAGES: "delete pages and folders",
    scopes.WRITE_STYLES: "save page CSS",
    scopes.WRITE_SCRIPTS: "save page JavaScript",
    scopes.READ_SOURCE: "read a page's source",
    scopes.READ_HISTORY: "read a page's history and old versions",
    scopes.READ_ASSETS: "read assets",
    scopes.WRITE_ASSETS: "upload assets",
    scopes.MANAGE_ASSETS: "manage assets",
    scopes.READ_COMMENTS: "read comments",
    scopes.WRITE_COMMENTS: "write comments",
    scopes.MANAGE_COMMENTS: "manage comments",
    scopes.READ_USERS: "list and read users",
    scopes.WRITE_USERS: "list users and create them",
    scopes.WRITE_GROUPS: "counts as elevated (§3.6)",
    scopes.READ_API: "list API keys and the API state",
    scopes.MANAGE_API: "create and revoke API keys",
    scopes.READ_DASHBOARD: "the API state and last logins",
    scopes.WRITE_SITES: "create sites",
}


def _choices(names) -> list[tuple[str, str]]:
    return [(s, f"{s} — {SCOPE_MEANINGS[s]}" if s in SCOPE_MEANINGS else s) for s in names]


PERMISSION_CHOICES = [
    ("Global permissions", _choices(scopes.GLOBAL_PERMISSIONS)),
    ("Page roles (page access comes from the rules below)", _choices(scopes.PAGE_ROLES)),
    ("Additional scopes checked by the server", _choices(scopes.LEGACY_PERMISSIONS)),
]
LOCALE_SEPARATORS = re.compile(r"[\s,]+")


class _AnyValues(forms.MultipleChoiceField):
    """Offers choices but lets the domain validator, not Django, refuse an unknown value."""

    def validate(self, value) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")


class RuleRowForm(forms.Form):
    """One page rule as a row; ``rule`` holds it normalised once the row is valid."""

    id = forms.CharField(required=False, widget=forms.HiddenInput)
    mode = forms.CharField(
        initial=RuleMode.ALLOW.value,
        widget=forms.Select(choices=[(m.value, m.value) for m in RuleMode]),
    )
    match = forms.CharField(
        initial=RuleMatch.START.value,
        widget=forms.Select(choices=[(m.value, m.value) for m in RuleMatch]),
    )
    path = forms.CharField(
        required=False,
        strip=False,  # a REGEX keeps its spaces; the validator normalises the other kinds
        widget=forms.TextInput(attrs={"placeholder": "path, pattern or tags"}),
    )
    name = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "label"}))
    roles = _AnyValues(
        choices=[(r, r) for r in scopes.PAGE_ROLES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    locales = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"placeholder": "all locales"})
    )
    sites = _AnyValues(required=False, widget=forms.CheckboxSelectMultiple)

    rule: dict | None = None

    def __init__(self, *args, position: int = 0, site_choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.position = position
        known = list(site_choices)
        offered = {value for value, _ in known}
        for stored in self.initial.get("sites") or ():
            if stored not in offered:  # a deleted site stays visible rather than vanishing
                known.append((stored, f"unknown site {stored}"))
        self.fields["sites"].choices = known
        if isinstance(self.initial.get("locales"), list):
            self.initial["locales"] = ", ".join(self.initial["locales"])

    def clean(self) -> dict:
        cleaned = super().clean()
        raw = {
            "id": cleaned.get("id") or str(uuid.uuid4()),
            "name": cleaned.get("name") or "",
            "mode": cleaned.get("mode"),
            "match": cleaned.get("match"),
            "roles": cleaned.get("roles") or [],
            "path": cleaned.get("path") or "",
            "locales": [c for c in LOCALE_SEPARATORS.split(cleaned.get("locales") or "") if c],
            "sites": cleaned.get("sites") or [],
        }
        self.rule = _domain_clean(clean_rule, raw, index=self.position)
        return cleaned


class BaseRuleRowFormSet(BaseFormSet):
    """The ordered rules: row order is rule order, every posted row is a rule."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.site_choices = [(str(site.pk), str(site)) for site in Site.objects.all()]

    def get_form_kwargs(self, index):
        position = 0 if index is None else index + 1  # rows are numbered from 1 on the page
        kwargs = super().get_form_kwargs(index)
        return {**kwargs, "position": position, "site_choices": self.site_choices}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.empty_permitted = False  # a row left at its defaults is still a rule (ALLOW START)
        return form

    @property
    def rules(self) -> list[dict]:
        return [form.rule for form in self.forms]


RuleRowFormSet = formset_factory(RuleRowForm, formset=BaseRuleRowFormSet, extra=0)
RULES_PREFIX = "rules"


class GroupForm(forms.ModelForm):
    """A group's name, permissions, rules (``rule_rows``) and redirects, checked as updateGroup
    checks them; ``cleaned_data["rules"]`` is the rule list to save."""

    permissions = forms.MultipleChoiceField(
        choices=PERMISSION_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Group
        fields = (
            "name",
            "permissions",
            "redirect_on_login",
            "redirect_on_first_login",
            "redirect_on_logout",
        )

    caller: Caller | None = None  # set by the ModelAdmin for the request

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        stored = self.initial.get("rules")
        if stored is None:
            stored = default_rules() if self.instance._state.adding else self.instance.rules
        self.rule_rows = RuleRowFormSet(
            self.data if self.is_bound else None,
            initial=None if self.is_bound else list(stored or []),
            prefix=RULES_PREFIX,
        )

    def clean_name(self) -> str:
        return _domain_clean(clean_label, self.cleaned_data.get("name"))

    def clean_permissions(self) -> list[str]:
        granted = _domain_clean(clean_permissions, self.cleaned_data.get("permissions") or [])
        group = None if self.instance._state.adding else self.instance
        _domain_clean(check_permission_change, self.caller, group=group, granted=granted)
        return granted

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.rule_rows.is_valid():
            cleaned["rules"] = self.rule_rows.rules
        else:
            raise ValidationError("Page rules: correct the rows marked below; nothing was saved.")
        return cleaned
