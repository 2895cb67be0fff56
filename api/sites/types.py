"""GraphQL types of sites (API.md §4.7). Most fields read the site's configuration object."""

import graphene

from wiki.models import default_site_config
from wiki.navigation import CONFIG_KEY as NAVIGATION_KEY

from ..core.scalars import JSON, UUID, Date
from ..pages.types import PageTocDepth

# A few well-known locales; others are described by their code alone.
KNOWN_LOCALES = {
    "en": ("English", "English"),
    "fr": ("French", "Français"),
    "de": ("German", "Deutsch"),
    "es": ("Spanish", "Español"),
    "zh": ("Chinese", "中文"),
    "ja": ("Japanese", "日本語"),
}
RTL_LANGUAGES = {"ar", "he", "fa", "ur"}


class SiteThemeWidth(graphene.Enum):
    full = "full"
    centered = "centered"


class SiteThemePosition(graphene.Enum):
    off = "off"
    left = "left"
    right = "right"


class SitePageRatingMode(graphene.Enum):
    off = "off"
    thumbs = "thumbs"
    stars = "stars"


class SiteReasonForChangeMode(graphene.Enum):
    off = "off"
    optional = "optional"
    required = "required"


class SiteUploadConflictBehavior(graphene.Enum):
    overwrite = "overwrite"
    reject = "reject"
    new = "new"


class SiteRobots(graphene.ObjectType):
    index = graphene.Boolean(description="Allow indexing.")
    follow = graphene.Boolean(description="Allow following links.")


class SiteFeatures(graphene.ObjectType):
    browse = graphene.Boolean(description="Browsing enabled.")
    ratings = graphene.Boolean(description="Ratings enabled.")
    ratings_mode = SitePageRatingMode(source="ratingsMode", description="Rating style.")
    comments = graphene.Boolean(description="Comments enabled.")
    contributions = graphene.Boolean(description="Contributions enabled.")
    profile = graphene.Boolean(description="Profile pages enabled.")
    reason_for_change = SiteReasonForChangeMode(
        source="reasonForChange", description="Edit reasons."
    )
    search = graphene.Boolean(description="Search enabled.")


class SiteDefaults(graphene.ObjectType):
    toc_depth = graphene.Field(PageTocDepth, description="Default TOC depth of new pages.")

    @staticmethod
    def resolve_toc_depth(defaults, info):
        depth = defaults.get("tocDepth") or {"min": 1, "max": 2}
        return PageTocDepth(min=depth.get("min", 1), max=depth.get("max", 2))


class SiteUploads(graphene.ObjectType):
    conflict_behavior = SiteUploadConflictBehavior(
        source="conflictBehavior", description="On name clash."
    )
    normalize_filename = graphene.Boolean(
        source="normalizeFilename", description="Normalise names."
    )


class LocalizationLocale(graphene.ObjectType):
    code = graphene.String(description="Locale code.")
    language = graphene.String(description="Language code.")
    name = graphene.String(description="English name.")
    native_name = graphene.String(description="Name in the language itself.")
    region = graphene.String(description="Region code.")
    script = graphene.String(description="Script code.")
    is_rtl = graphene.Boolean(name="isRTL", description="Right-to-left.")
    completeness = graphene.Int(description="Translation completeness (percent).")
    created_at = Date(description="Always null here.")
    updated_at = Date(description="Always null here.")


def describe_locale(code: str) -> LocalizationLocale:
    language, _, region = code.partition("-")
    name, native = KNOWN_LOCALES.get(language, (code, code))
    return LocalizationLocale(
        code=code,
        language=language,
        name=name,
        native_name=native,
        region=region,
        script="",
        is_rtl=language in RTL_LANGUAGES,
        completeness=100,
    )


class SiteLocales(graphene.ObjectType):
    primary = graphene.String(description="Primary locale code.")
    active = graphene.List(LocalizationLocale, description="Active locales.")

    @staticmethod
    def resolve_active(locales, info):
        return [describe_locale(str(code)) for code in locales.get("active") or ["en"]]


class SiteEditor(graphene.ObjectType):
    is_active = graphene.Boolean(source="isActive", description="Editor enabled.")
    config = JSON(description="Editor configuration.")


class SiteEditors(graphene.ObjectType):
    asciidoc = graphene.Field(SiteEditor, description="AsciiDoc editor.")
    markdown = graphene.Field(SiteEditor, description="Markdown editor.")
    wysiwyg = graphene.Field(SiteEditor, description="Visual editor.")


class SiteTheme(graphene.ObjectType):
    dark = graphene.Boolean(description="Dark mode.")
    code_blocks_theme = graphene.String(source="codeBlocksTheme", description="Code block theme.")
    color_primary = graphene.String(source="colorPrimary", description="Primary colour.")
    color_secondary = graphene.String(source="colorSecondary", description="Secondary colour.")
    color_accent = graphene.String(source="colorAccent", description="Accent colour.")
    color_header = graphene.String(source="colorHeader", description="Header colour.")
    color_sidebar = graphene.String(source="colorSidebar", description="Sidebar colour.")
    inject_css = graphene.String(name="injectCSS", source="injectCSS", description="Extra CSS.")
    inject_head = graphene.String(source="injectHead", description="Extra head HTML.")
    inject_body = graphene.String(source="injectBody", description="Extra body HTML.")
    content_width = SiteThemeWidth(source="contentWidth", description="Content width.")
    sidebar_position = SiteThemePosition(source="sidebarPosition", description="Sidebar side.")
    toc_position = SiteThemePosition(source="tocPosition", description="TOC side.")
    show_sharing_menu = graphene.Boolean(source="showSharingMenu", description="Sharing menu.")
    show_print_btn = graphene.Boolean(source="showPrintBtn", description="Print button.")
    base_font = graphene.String(source="baseFont", description="Base font.")
    content_font = graphene.String(source="contentFont", description="Content font.")


def _section(name: str):
    """A nested configuration object, completed with defaults for missing keys."""

    def resolve(site, info):
        defaults = default_site_config()[name]
        stored = site.config.get(name)
        return {**defaults, **stored} if isinstance(stored, dict) else defaults

    return staticmethod(resolve)


def _value(name: str):
    def resolve(site, info):
        return site.config.get(name, default_site_config().get(name))

    return staticmethod(resolve)


def public_config(config) -> dict:
    """The configuration as ``Site.config`` shows it to everyone. The navigation (/graphql's
    ``navigation``) names groups and may hold menu items meant for some of them only: it is
    shown to navigation managers there, not here."""
    config = config if isinstance(config, dict) else {}
    return {key: value for key, value in config.items() if key != NAVIGATION_KEY}


class Site(graphene.ObjectType):
    id = UUID(description="Site id.")
    hostname = graphene.String(description='Host name, or "*" for the fallback site.')
    is_enabled = graphene.Boolean(description="Whether the site is served.")
    title = graphene.String(description="Title.")
    description = graphene.String(description="Description.")
    company = graphene.String(description="Company.")
    content_license = graphene.String(description="Content licence.")
    footer_extra = graphene.String(description="Extra footer text.")
    page_extensions = graphene.String(description="Page extensions.")
    page_casing = graphene.Boolean(description="Case-sensitive paths.")
    logo_text = graphene.Boolean(description="Show the title beside the logo.")
    sitemap = graphene.Boolean(description="Publish a sitemap.")
    discoverable = graphene.Boolean(description="Listed publicly.")
    robots = graphene.Field(SiteRobots, description="Robots settings.")
    features = graphene.Field(SiteFeatures, description="Feature switches.")
    defaults = graphene.Field(SiteDefaults, description="Defaults of new pages.")
    uploads = graphene.Field(SiteUploads, description="Upload settings.")
    locales = graphene.Field(SiteLocales, description="Locales.")
    editors = graphene.Field(SiteEditors, description="Editors.")
    theme = graphene.Field(SiteTheme, description="Theme.")
    config = JSON(description="The whole configuration object.")

    @staticmethod
    def resolve_config(site, info):
        return public_config(site.config)

    resolve_title = _value("title")
    resolve_description = _value("description")
    resolve_company = _value("company")
    resolve_content_license = _value("contentLicense")
    resolve_footer_extra = _value("footerExtra")
    resolve_page_extensions = _value("pageExtensions")
    resolve_page_casing = _value("pageCasing")
    resolve_logo_text = _value("logoText")
    resolve_sitemap = _value("sitemap")
    resolve_discoverable = _value("discoverable")
    resolve_robots = _section("robots")
    resolve_features = _section("features")
    resolve_defaults = _section("defaults")
    resolve_uploads = _section("uploads")
    resolve_locales = _section("locales")
    resolve_editors = _section("editors")
    resolve_theme = _section("theme")
