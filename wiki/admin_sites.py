"""Admin of sites: a new site asks for its title and hostname; settings are fields.

The forms validate with the rules of ``wiki.site_settings`` and the admin saves through its
services, so a refusal shows the contract's error key. Who may add or change sites is the
``manage:sites`` scope (``User.has_perm``).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from . import site_settings
from .errors import DomainError
from .models import Site

# Top-level switches of the configuration shown as checkboxes (config key, label).
SWITCHES = (
    ("pageCasing", "Case-sensitive page paths"),
    ("logoText", "Show the title beside the logo"),
    ("sitemap", "Publish a sitemap"),
    ("discoverable", "Listed publicly"),
)


def _message(error: DomainError) -> str:
    return f"{error.key.value}: {error.detail}" if error.detail else error.key.value


def _checked(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except DomainError as error:
        raise ValidationError(_message(error), code=error.key.value) from error


class SiteAddForm(forms.ModelForm):
    title = forms.CharField(max_length=255, help_text="Shown in the header and in mails.")
    hostname = forms.CharField(
        max_length=255, help_text="The host name the site answers, e.g. wiki.example.com."
    )

    class Meta:
        model = Site
        fields = ("title", "hostname")

    def clean_title(self) -> str:
        return _checked(site_settings.clean_site_text, self.cleaned_data["title"], "title")

    def clean_hostname(self) -> str:
        hostname = _checked(site_settings.clean_hostname, self.cleaned_data["hostname"])
        _checked(site_settings.check_hostname_free, hostname, None)
        return hostname


class SiteChangeForm(forms.ModelForm):
    title = forms.CharField(max_length=255)
    description = forms.CharField(max_length=255, required=False)
    company = forms.CharField(max_length=255, required=False)
    content_license = forms.CharField(label="Content licence", max_length=255, required=False)
    footer_extra = forms.CharField(label="Extra footer text", max_length=255, required=False)
    toc_min = forms.TypedChoiceField(
        label="TOC depth from", choices=[(d, d) for d in site_settings.TOC_DEPTHS], coerce=int
    )
    toc_max = forms.TypedChoiceField(
        label="TOC depth to", choices=[(d, d) for d in site_settings.TOC_DEPTHS], coerce=int
    )
    primary_locale = forms.CharField(label="Primary locale", max_length=5)
    active_locales = forms.CharField(
        label="Active locales", help_text="Locale codes separated by commas, e.g. en, fr, pt-br."
    )
    locale_namespacing = forms.BooleanField(label="Locale in page paths (/fr/page)", required=False)
    robots_index = forms.BooleanField(label="Robots may index", required=False)
    robots_follow = forms.BooleanField(label="Robots may follow links", required=False)
    page_casing = forms.BooleanField(label=SWITCHES[0][1], required=False)
    logo_text = forms.BooleanField(label=SWITCHES[1][1], required=False)
    sitemap = forms.BooleanField(label=SWITCHES[2][1], required=False)
    discoverable = forms.BooleanField(label=SWITCHES[3][1], required=False)

    class Meta:
        model = Site
        fields = ("hostname", "is_enabled")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        config = {**site_settings.default_site_config(), **(self.instance.config or {})}
        depth = (config.get("defaults") or {}).get("tocDepth") or {}
        locales = config.get("locales") or {}
        robots = config.get("robots") or {}
        self.initial.update(
            title=config.get("title", ""),
            description=config.get("description", ""),
            company=config.get("company", ""),
            content_license=config.get("contentLicense", ""),
            footer_extra=config.get("footerExtra", ""),
            toc_min=depth.get("min", 1),
            toc_max=depth.get("max", 2),
            primary_locale=locales.get("primary", "en"),
            active_locales=", ".join(locales.get("active") or ["en"]),
            locale_namespacing=bool(config.get("localeNamespacing")),
            robots_index=bool(robots.get("index", True)),
            robots_follow=bool(robots.get("follow", True)),
            **{_field(key): bool(config.get(key)) for key, _label in SWITCHES},
        )

    def clean_hostname(self) -> str:
        hostname = _checked(site_settings.clean_hostname, self.cleaned_data["hostname"])
        _checked(site_settings.check_hostname_free, hostname, self.instance.pk)
        return hostname

    def clean_title(self) -> str:
        return _checked(site_settings.clean_site_text, self.cleaned_data["title"], "title")

    def clean(self):
        cleaned = super().clean()
        if "toc_min" in cleaned and "toc_max" in cleaned:
            try:
                site_settings.clean_toc_depth(cleaned["toc_min"], cleaned["toc_max"])
            except DomainError as error:
                self.add_error("toc_max", _message(error))
        if "primary_locale" in cleaned and "active_locales" in cleaned:
            try:
                primary, active = site_settings.clean_locales(
                    cleaned["primary_locale"], _codes(cleaned["active_locales"])
                )
            except DomainError as error:
                self.add_error("active_locales", _message(error))
            else:
                cleaned["primary_locale"], cleaned["active_locales"] = primary, active
        return cleaned

    def settings(self) -> site_settings.SiteSettings:
        data = self.cleaned_data
        return site_settings.SiteSettings(
            title=data["title"],
            description=data["description"],
            company=data["company"],
            content_license=data["content_license"],
            footer_extra=data["footer_extra"],
            toc_min=data["toc_min"],
            toc_max=data["toc_max"],
            primary_locale=data["primary_locale"],
            active_locales=data["active_locales"],
            locale_namespacing=data["locale_namespacing"],
            robots_index=data["robots_index"],
            robots_follow=data["robots_follow"],
            extra={key: data[_field(key)] for key, _label in SWITCHES},
        )


def _field(config_key: str) -> str:
    """The form field of a camelCase configuration key (``pageCasing`` -> ``page_casing``)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in config_key)


def _codes(text: str) -> list[str]:
    return [code for code in text.replace(";", ",").replace(" ", ",").split(",") if code]


class SiteAdmin(admin.ModelAdmin):
    list_display = ("hostname", "title", "is_enabled", "updated_at")
    list_filter = ("is_enabled",)
    search_fields = ("hostname",)
    readonly_fields = ("id", "created_at", "updated_at")
    add_fieldsets = ((None, {"fields": ("title", "hostname")}),)
    fieldsets = (
        (None, {"fields": ("hostname", "is_enabled", "title", "description")}),
        ("Footer", {"fields": ("company", "content_license", "footer_extra")}),
        (
            "Pages",
            {"fields": (("toc_min", "toc_max"), "page_casing", "logo_text", "sitemap")},
        ),
        (
            "Locales",
            {"fields": ("primary_locale", "active_locales", "locale_namespacing")},
        ),
        ("Search engines", {"fields": ("discoverable", "robots_index", "robots_follow")}),
        ("Identity", {"fields": readonly_fields}),
    )

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = SiteChangeForm if obj is not None else SiteAddForm
        kwargs["fields"] = None  # the fieldsets name form-only fields: the form decides
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is None:
            return ()
        # The ``*`` site is the fallback for unknown hosts: it keeps its hostname.
        return (*fields, "hostname") if obj.is_wildcard else fields

    @admin.display(description="title")
    def title(self, obj: Site) -> str:
        return obj.title

    def save_model(self, request, obj, form, change):
        if change:
            saved = site_settings.update_site(
                obj.pk,
                hostname=form.cleaned_data.get("hostname", obj.hostname),
                is_enabled=form.cleaned_data["is_enabled"],
                settings=form.settings(),
            )
        else:
            saved = site_settings.create_site(
                hostname=form.cleaned_data["hostname"], title=form.cleaned_data["title"]
            )
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def response_add(self, request, obj, post_url_continue=None):
        # A new site goes on to its settings, as a new user goes on to its details.
        if "_addanother" not in request.POST and IS_POPUP_VAR not in request.POST:
            request.POST = request.POST.copy()
            request.POST["_continue"] = "1"
        return super().response_add(request, obj, post_url_continue)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            # The form ran the same checks: only a race gets here. Nothing was saved.
            messages.error(request, _message(error))
            return HttpResponseRedirect(request.get_full_path())

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_wildcard:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would bypass the per-site check above
        return actions
