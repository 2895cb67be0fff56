"""Forms of the users admin (``accounts.admin_users``): they check what the services check.

Each field runs the domain's rule and shows its ``DomainError`` as ``ERR_KEY: detail``; the
admin then saves through ``accounts.user_admin``, which checks again inside its transaction.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms

from wiki.errors import DomainError, ErrorKey

from . import user_admin
from .forms import PasswordPairMixin, UserAddForm, _domain_clean, _unused_email, validation_error
from .models import Group, User
from .permissions import Caller
from .validation import clean_name

__all__ = ["SetPasswordForm", "UserAddForm", "UserEditForm", "UserReplacementForm"]


class UserEditForm(auth_forms.UserChangeForm):
    """Profile, groups and flags; saved as one ``update_user`` patch."""

    email = forms.CharField(label="Email")
    # Not named ``groups``: that is the model's many-to-many with its own membership table,
    # which the admin refuses to edit directly (admin.E013); this field is saved by the service.
    member_of = forms.ModelMultipleChoiceField(
        label="Groups",
        queryset=Group.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Elevated groups need manage:groups; a manage:system group needs manage:system.",
    )

    class Meta:
        model = User
        fields = (
            "email",
            "name",
            "password",
            "is_active",
            "is_verified",
            "must_change_password",
            "restrict_login",
            "tfa_required",
        )

    caller: Caller | None = None  # set by the ModelAdmin for the request

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "member_of" in self.fields and self.instance.pk is not None:
            self.initial["member_of"] = list(self.instance.groups.values_list("pk", flat=True))

    def clean_email(self) -> str:
        return _unused_email(self.cleaned_data.get("email"), self.instance.pk)

    def clean_name(self) -> str:
        return _domain_clean(clean_name, self.cleaned_data.get("name"))

    def clean_member_of(self) -> list[Group]:
        groups = list(self.cleaned_data.get("member_of") or [])
        try:
            user_admin.check_membership_change(self.caller, self.instance, groups)
        except DomainError as error:
            raise validation_error(error) from error
        return groups

    def patch(self) -> user_admin.UserPatch:
        data = self.cleaned_data

        def given(name):
            return data.get(name) if name in self.fields else None

        groups = given("member_of")
        return user_admin.UserPatch(
            email=given("email"),
            name=given("name"),
            group_ids=None if groups is None else [group.pk for group in groups],
            is_active=given("is_active"),
            is_verified=given("is_verified"),
            must_change_password=given("must_change_password"),
            restrict_login=given("restrict_login"),
            tfa_required=given("tfa_required"),
        )


class SetPasswordForm(PasswordPairMixin, forms.Form):
    password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters.",
    )
    password2 = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    must_change_password = forms.BooleanField(
        label="Must change it at next sign-in", required=False
    )


class UserReplacementForm(forms.Form):
    """Who receives the pages and history of a deleted user."""

    replacement = forms.CharField(
        label="Give everything this user created, authored or owns to (email)",
        max_length=255,
    )

    def __init__(self, *args, deleted: User, initial_user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.deleted = deleted
        if initial_user.pk != deleted.pk:
            self.fields["replacement"].initial = initial_user.email

    def clean_replacement(self) -> User:
        email = (self.cleaned_data.get("replacement") or "").strip()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise validation_error(DomainError(ErrorKey.INVALID_USER, f"no user has {email}"))
        if user.pk == self.deleted.pk:
            raise validation_error(
                DomainError(ErrorKey.INVALID_USER, "the replacement is the deleted user")
            )
        return user
