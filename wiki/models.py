"""Site-level models: sites, the key/value settings store and legacy id counters."""

import uuid

from django.db import models

WILDCARD_HOSTNAME = "*"


def default_site_config() -> dict:
    """The configuration a new site starts with (API.md §4.7)."""
    return {
        "title": "Default Site",
        "description": "",
        "company": "",
        "contentLicense": "",
        "footerExtra": "",
        "pageExtensions": "",
        "pageCasing": True,
        "logoText": True,
        "sitemap": True,
        "discoverable": False,
        "robots": {"index": True, "follow": True},
        "features": {
            "browse": True,
            "ratings": False,
            "ratingsMode": "off",
            "comments": False,
            "contributions": False,
            "profile": True,
            "reasonForChange": "off",
            "search": True,
        },
        "defaults": {"tocDepth": {"min": 1, "max": 2}},
        "uploads": {"conflictBehavior": "overwrite", "normalizeFilename": True},
        "locales": {"primary": "en", "active": ["en"]},
        "localeNamespacing": False,
        "editors": {
            "asciidoc": {"isActive": True, "config": {}},
            "markdown": {"isActive": True, "config": {}},
            "wysiwyg": {"isActive": True, "config": {}},
        },
        "theme": {
            "dark": False,
            "codeBlocksTheme": "github-dark",
            "colorPrimary": "#1976D2",
            "colorSecondary": "#02C39A",
            "colorAccent": "#FF9800",
            "colorHeader": "#000000",
            "colorSidebar": "#1976D2",
            "injectCSS": "",
            "injectHead": "",
            "injectBody": "",
            "contentWidth": "full",
            "sidebarPosition": "left",
            "tocPosition": "right",
            "showSharingMenu": True,
            "showPrintBtn": True,
            "baseFont": "roboto",
            "contentFont": "roboto",
        },
        "authStrategies": [],
    }


class Site(models.Model):
    """One wiki served under a hostname; ``*`` is the fallback for unknown hosts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    hostname = models.CharField(max_length=255, unique=True)
    is_enabled = models.BooleanField(default=True)
    config = models.JSONField(default=default_site_config, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["hostname"]

    def __str__(self) -> str:
        return f"{self.title} ({self.hostname})"

    @property
    def title(self) -> str:
        return str(self.config.get("title") or "")

    @property
    def primary_locale(self) -> str:
        return str((self.config.get("locales") or {}).get("primary") or "en")

    @property
    def is_wildcard(self) -> bool:
        return self.hostname == WILDCARD_HOSTNAME


class Setting(models.Model):
    """The settings store (API.md §5): one JSON value per key (api, auth, mail, ...)."""

    key = models.CharField(max_length=64, primary_key=True)
    value = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class LegacyIdCounter(models.Model):
    """The last integer id handed out per entity kind.

    Wiki.js 2 clients address users, groups, pages ... by integer (API-v2.md §1.6). A counter
    row, rather than a database sequence, keeps ids identical on SQLite and PostgreSQL and
    guarantees they are never reused after a deletion.
    """

    kind = models.CharField(max_length=32, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.kind}={self.last_value}"


class ContentChange(models.Model):
    """One row per committed transaction that wrote what a page view shows.

    The content version is the sum of ``weight`` over the table: triggers (pages migration
    0007) add a row of weight 1 in every transaction that writes pages, tree items or a user's
    name, and now and then fold the rows before it into one row of their summed weight. So the
    sum grows by one with every such commit and by nothing else, and a reader sees a new sum
    exactly when it can see the new rows. Inserts never wait for each other: unlike a single
    counter row, which concurrent writers would lock in turn (and deadlock on, taking it in
    the middle of their transactions), nothing here serialises page writes.

    Processes keep rendered page views for as long as the sum is unchanged
    (``pages.view_cache``); it is read in the same query as the caller's own row.
    """

    id = models.BigAutoField(primary_key=True)
    weight = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return f"content change {self.pk} (weight {self.weight})"


class OutboundMail(models.Model):
    """One message in the outbox (API.md §4.6 "Delivery"): written in the transaction of the
    change that causes it, then delivered by a Celery worker (``wiki.outbox``).

    The body is sealed (``wiki.secrets``): a welcome mail holds an initial password, a reset or
    verification mail a live link. A body that holds a password is erased once the message is
    delivered or has failed for good; the others once delivered.
    """

    class Kind(models.TextChoices):
        WELCOME = "welcome", "Welcome"
        RESET = "reset", "Password reset"
        VERIFY = "verify", "Email verification"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    recipient = models.CharField(max_length=255)
    subject = models.TextField()
    # Sealed JSON {"text": ..., "html": ...}; "" once erased.
    body = models.TextField(blank=True)
    holds_password = models.BooleanField(default=False)
    # The Message-ID header, the same on every attempt: a receiver can tell a repeat.
    message_id = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the next attempt is due; a pending message long past it was lost by the broker.
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outbox message"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}"
