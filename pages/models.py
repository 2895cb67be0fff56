"""Pages, their aliases and the per-site tag vocabulary (API.md §5)."""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import LegacyIdMixin
from wiki.models import Site

DEFAULT_ICON = "las la-file-alt"


class PublishState(models.TextChoices):
    DRAFT = "draft"
    PUBLISHED = "published"
    SCHEDULED = "scheduled"


def page_hash(locale: str, path: str) -> str:
    """Opaque identifier derived from locale and path (API.md §4.1.4 ``hash``)."""
    return hashlib.sha1(f"{locale}/{path}".encode(), usedforsecurity=False).hexdigest()


def default_page_config() -> dict:
    return {
        "allowComments": True,
        "allowContributions": True,
        "allowRatings": True,
        "showSidebar": True,
        "showTags": True,
        "showToc": True,
        "tocDepth": {"min": 1, "max": 2},
    }


def default_scripts() -> dict:
    return {"css": "", "jsLoad": "", "jsUnload": ""}


def published_q(now=None) -> Q:
    """A page is effectively published when published, or scheduled and inside its window."""
    now = now or timezone.now()
    return Q(publish_state=PublishState.PUBLISHED) | Q(
        publish_state=PublishState.SCHEDULED,
        publish_start_date__lte=now,
        publish_end_date__gte=now,
    )


def effectively_published(state: str, start, end) -> bool:
    """``published_q`` for one row's values (list items compute it from three columns)."""
    if state == PublishState.PUBLISHED:
        return True
    if state != PublishState.SCHEDULED or not (start and end):
        return False
    return start <= timezone.now() <= end


class Page(LegacyIdMixin):
    legacy_kind = "page"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="pages")
    locale = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    hash = models.CharField(max_length=40, editable=False)
    alias = models.CharField(max_length=255, null=True, blank=True)
    title = models.CharField(max_length=255)
    description = models.CharField(max_length=255, blank=True, default="")
    icon = models.CharField(max_length=255, blank=True, default="")
    publish_state = models.CharField(
        max_length=16, choices=PublishState.choices, default=PublishState.DRAFT
    )
    publish_start_date = models.DateTimeField(null=True, blank=True)
    publish_end_date = models.DateTimeField(null=True, blank=True)
    config = models.JSONField(default=default_page_config, blank=True)
    relations = models.JSONField(default=list, blank=True)
    content = models.TextField(blank=True, default="")
    render = models.TextField(blank=True, default="")
    search_content = models.TextField(blank=True, default="")
    toc = models.JSONField(default=list, blank=True)
    # Ordered as the client gave them; the ``tag_links`` rows serve filtering in SQL.
    tags = models.JSONField(default=list, blank=True)
    editor = models.CharField(max_length=64, default="markdown")
    content_type = models.CharField(max_length=16, default="markdown")
    is_browsable = models.BooleanField(default=True)
    is_searchable = models.BooleanField(default=True)
    password = models.CharField(max_length=255, null=True, blank=True)
    scripts = models.JSONField(default=default_scripts, blank=True)
    history_data = models.JSONField(default=dict, blank=True)
    rating_score = models.IntegerField(default=0)
    rating_count = models.IntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_pages"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_pages"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_pages"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["site", "locale", "path"]
        constraints = [
            models.UniqueConstraint(fields=["site", "locale", "path"], name="page_unique_path"),
            models.UniqueConstraint(
                fields=["site", "alias"],
                condition=Q(alias__isnull=False),
                name="page_unique_alias_per_site",
            ),
        ]
        indexes = [
            # Each ordering of ``pages``, with the id that breaks ties (pages.services).
            models.Index(fields=["title", "id"], name="page_title_id_idx"),
            models.Index(fields=["created_at", "id"], name="page_created_id_idx"),
            models.Index(fields=["updated_at", "id"], name="page_updated_id_idx"),
            models.Index(fields=["path", "id"], name="page_path_id_idx"),
            # The ``locale`` filter; site, creator and author are foreign keys, indexed anyway.
            models.Index(fields=["locale", "id"], name="page_locale_id_idx"),
            # Rules matching a path prefix are ``LIKE 'prefix%'``, which a PostgreSQL index
            # serves only with the pattern operator class (elsewhere this is a plain index).
            models.Index(
                fields=["path"], opclasses=["varchar_pattern_ops"], name="page_path_like_idx"
            ),
            # The few scheduled pages, whose windows decide how long a page view may be kept
            # (pages.view_cache).
            models.Index(
                fields=["site"],
                condition=models.Q(publish_state="scheduled"),
                name="page_scheduled_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.locale}/{self.path}"

    def save(self, *args, **kwargs):
        self.hash = page_hash(self.locale, self.path)
        super().save(*args, **kwargs)

    @property
    def is_effectively_published(self) -> bool:
        return effectively_published(
            self.publish_state, self.publish_start_date, self.publish_end_date
        )


class Tag(LegacyIdMixin):
    """A site's tag vocabulary entry; ``usage_count`` is the number of pages carrying it."""

    legacy_kind = "tag"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=255)
    usage_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tag"]
        constraints = [models.UniqueConstraint(fields=["site", "tag"], name="tag_unique_per_site")]
        # ``pages(tags:)`` and tag rules look tags up by name, across sites.
        indexes = [models.Index(fields=["tag"], name="tag_tag_idx")]

    def __str__(self) -> str:
        return self.tag


class PageTag(models.Model):
    """Which page carries which tag, so tag rules and filters run in SQL."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="page_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "tag"], name="pagetag_unique")]

    def __str__(self) -> str:
        return f"{self.page_id}#{self.tag_id}"


class HistoryAction(models.TextChoices):
    """The operation that superseded an archived state (API.md §4.1.1 "History versions")."""

    UPDATED = "updated"
    MOVED = "moved"
    DELETED = "deleted"
    RESTORED = "restored"


class PageHistory(LegacyIdMixin):
    """One archived state of a page, written just before an operation replaced it.

    ``page_id`` is a plain UUID rather than a foreign key so that the versions of a deleted
    page are kept (API.md §5); the snapshot columns mirror ``Page``.
    """

    legacy_kind = "pagehistory"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    page_id = models.UUIDField()
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="page_versions")
    action = models.CharField(max_length=16, choices=HistoryAction.choices)
    reason = models.TextField(null=True, blank=True)
    affected_fields = models.JSONField(default=list, blank=True)
    locale = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    hash = models.CharField(max_length=40)
    alias = models.CharField(max_length=255, null=True, blank=True)
    title = models.CharField(max_length=255)
    description = models.CharField(max_length=255, blank=True, default="")
    icon = models.CharField(max_length=255, blank=True, default="")
    publish_state = models.CharField(
        max_length=16, choices=PublishState.choices, default=PublishState.DRAFT
    )
    publish_start_date = models.DateTimeField(null=True, blank=True)
    publish_end_date = models.DateTimeField(null=True, blank=True)
    config = models.JSONField(default=default_page_config, blank=True)
    relations = models.JSONField(default=list, blank=True)
    content = models.TextField(blank=True, default="")
    render = models.TextField(blank=True, default="")
    toc = models.JSONField(default=list, blank=True)
    editor = models.CharField(max_length=64, default="markdown")
    content_type = models.CharField(max_length=16, default="markdown")
    scripts = models.JSONField(default=default_scripts, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # The author of the archived state, as the page then had it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="page_versions"
    )
    version_date = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        # The legacy id grows with every version written, so it breaks ties of equal dates.
        ordering = ["-version_date", "-legacy_id"]
        indexes = [
            # The trail of one page, newest first (``pageHistoryById``).
            models.Index(
                fields=["page_id", "-version_date", "-legacy_id"], name="pagehistory_trail_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.page_id}@{self.version_date:%Y-%m-%d %H:%M:%S} ({self.action})"


class TreeItemType(models.TextChoices):
    FOLDER = "folder"
    PAGE = "page"
    ASSET = "asset"  # in the contract's enum; this server stores none (assets are out of scope)


class NavigationMode(models.TextChoices):
    INHERIT = "inherit"
    OVERRIDE = "override"
    OVERRIDE_EXACT = "overrideExact"
    HIDE = "hide"
    HIDE_EXACT = "hideExact"


def join_path(folder_path: str, file_name: str) -> str:
    return f"{folder_path}/{file_name}" if folder_path else file_name


def split_path(path: str) -> tuple[str, str]:
    """``"a/b/c"`` -> ``("a/b", "c")``; ``"a"`` -> ``("", "a")``."""
    folder_path, _, file_name = path.rpartition("/")
    return folder_path, file_name


class TreeItem(LegacyIdMixin):
    """One entry of a site's per-locale tree: a folder, or a page (API.md §4.2, §5).

    A page's item has the page's id. ``path`` (the full path) and ``depth`` (segments of
    ``folder_path``) are derived from ``folder_path`` and ``file_name`` and stored so that a
    subtree is one indexed prefix condition and the depth of a listing one comparison. The
    tree is maintained incrementally by the page and folder services (``pages.tree``): a page
    write touches its own item and creates missing ancestors, nothing else.
    """

    legacy_kind = "treeitem"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="tree_items")
    # A page's item (same id): it goes with the page however the page is deleted.
    page = models.OneToOneField(
        Page,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.CASCADE,
        related_name="tree_item",
    )
    locale = models.CharField(max_length=10)
    type = models.CharField(max_length=8, choices=TreeItemType.choices)
    folder_path = models.CharField(max_length=255, blank=True, default="")
    file_name = models.CharField(max_length=255)
    path = models.CharField(max_length=255)
    depth = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=255)
    hash = models.CharField(max_length=40)
    navigation_mode = models.CharField(
        max_length=16, choices=NavigationMode.choices, default=NavigationMode.INHERIT
    )
    navigation_id = models.UUIDField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # Pages: a copy of description, editor, contentType, author/creator ids and publishing.
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # No default ordering: each reader orders what it lists, and ``first()`` by id joins
        # nothing (ordering by ``site`` would join, and lock, the site's row).
        constraints = [
            models.UniqueConstraint(
                fields=["site", "locale", "folder_path", "file_name", "type"],
                name="treeitem_unique_entry",
            ),
        ]
        indexes = [
            # Lookups by full path (folderByPath, a page's ancestors, pages below a folder).
            models.Index(fields=["site", "locale", "path"], name="treeitem_path_idx"),
            # Subtrees: ``folder_path LIKE 'a/b/%'`` on PostgreSQL needs the pattern class.
            models.Index(
                fields=["folder_path"],
                opclasses=["varchar_pattern_ops"],
                name="treeitem_folder_like_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.locale}/{self.path}"

    def save(self, *args, **kwargs):
        self.path = join_path(self.folder_path, self.file_name)
        self.depth = self.folder_path.count("/") + 1 if self.folder_path else 0
        self.hash = page_hash(self.locale, self.path)
        super().save(*args, **kwargs)
