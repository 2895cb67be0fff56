"""The data a fuzz run starts from, made by the real services, and the guard that keeps the
run's own credentials usable while generated mutations change everything else.

Generated arguments only reach deep code when they name rows that exist, so the run seeds a
small wiki (pages with versions, tags and folders, users, groups with rules, API keys) and the
value strategies draw ids, paths and tags from it (``tests/fuzz/values.py``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models

from accounts import apikeys, tokens
from accounts.models import GUESTS_GROUP_ID, ApiKey, Group, User
from accounts.services import administrators_group, make_administrator
from pages.edits import PagePatch, update_page
from pages.folders import create_folder
from pages.models import Page, Tag, TreeItem
from pages.services import PageInput, create_page
from tests.factories import GroupFactory, UserFactory, default_site, rule
from wiki.config import is_api_enabled, set_api_enabled

PAGES = (
    ("home", "Home", ("welcome",)),
    ("docs/install", "Install guide", ("setup", "linux")),
    ("docs/guides/first-steps", "First steps", ("setup",)),
    ("docs/guides/faq", "Questions", ("faq", "setup")),
    ("team/notes", "Team notes", ("internal",)),
)
FOLDERS = (("archive", "Archive"), ("drafts", "Drafts"))
# Sampled by the String strategy beside random text: values that pass the services' first
# checks, so generated operations also reach what comes after them.
PLAIN_WORDS = (
    "en",
    "fr",
    "pt-br",
    "markdown",
    "html",
    "local",
    "30d",
    "1y",
    "read:pages",
    "write:pages",
    "manage:system",
    "Password123",
    "fuzz@example.com",
    "admin@fuzz.example.com",
    "localhost",
    "*",
    "/",
    "UTC",
    "Europe/Paris",
    "YYYY-MM-DD",
    "hh:mm",
)


@dataclass
class World:
    """What the run knows about the seeded data, and its own credentials."""

    admin: User
    api_key: ApiKey
    api_key_token: str
    session_token: str
    ids_by_model: dict[str, list[str]] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)

    def refresh(self) -> None:
        """Read the ids, paths, tags and emails again: the run creates and deletes rows, and
        what it created is worth aiming at too."""
        self.ids_by_model = _every_uuid_key()
        paths = set(Page.objects.order_by("path").values_list("path", flat=True)[:100])
        paths.update(TreeItem.objects.order_by("path").values_list("path", flat=True)[:100])
        self.paths = sorted(path for path in paths if path) or ["home"]
        self.tags = list(Tag.objects.order_by("tag").values_list("tag", flat=True)[:100]) or [
            "setup"
        ]
        self.emails = list(
            User.objects.exclude(email="").order_by("email").values_list("email", flat=True)[:100]
        )

    @property
    def ids(self) -> list[str]:
        return sorted({pk for ids in self.ids_by_model.values() for pk in ids})

    def keep_credentials(self) -> list[str]:
        """Undo what a generated mutation did to the run's own credentials; say what it was.

        The fuzz may switch API access off, revoke any key (its own too), deactivate or
        demote the administrator: all fair inputs that must answer cleanly, but afterwards
        every later operation would be refused at the door (401/403) and prove nothing.
        """
        repaired = []
        if not is_api_enabled():
            set_api_enabled(True)
            repaired.append("API access switched back on")
        if ApiKey.objects.filter(pk=self.api_key.pk, is_revoked=True).update(is_revoked=False):
            repaired.append("the fuzz's API key un-revoked")
        if not User.objects.filter(pk=self.admin.pk).exists():
            # deleteUser may remove any account, the fuzz's own administrator included.
            self.admin = _new_administrator()
            self.session_token = tokens.issue_session_token(self.admin)
            repaired.append("a new administrator made (the fuzz deleted its own)")
        if User.objects.filter(pk=self.admin.pk, is_active=False).update(is_active=True):
            repaired.append("the administrator re-activated")
        if not self.admin.groups.filter(pk=administrators_group().pk).exists():
            make_administrator(self.admin)
            repaired.append("the administrator put back in Administrators")
        return repaired


def _new_administrator() -> User:
    admin = UserFactory(email=f"root-{uuid.uuid4().hex[:8]}@fuzz.example.com", name="Fuzz Root")
    make_administrator(admin)
    return admin


def seed_world() -> World:
    site = default_site()
    admin = _new_administrator()
    editors = GroupFactory(
        name="Editors",
        permissions=["read:pages", "write:pages", "read:history"],
        rules=[
            rule(path="docs", roles=("read:pages", "write:pages")),
            rule(mode="DENY", path="team"),
        ],
    )
    GroupFactory(name="Readers")
    # Guests read everything but team/: the guest's pages render, and some are refused.
    Group.objects.filter(pk=GUESTS_GROUP_ID).update(
        rules=[
            rule(roles=("read:pages", "read:history", "read:source")),
            rule(mode="DENY", path="team"),
        ]
    )
    for number in range(4):
        UserFactory(
            email=f"person{number}@fuzz.example.com",
            name=f"Person {number}",
            groups=[editors] if number % 2 else [],
        )
    for path, title, tags in PAGES:
        page = create_page(
            None,
            PageInput(
                site_id=site.pk,
                locale="en",
                path=path,
                title=title,
                description=f"About {title.lower()}",
                content=f"# {title}\n\nSome text with a [link](/home) and `code`.",
                editor="markdown",
                publish_state="published",
                tags=list(tags),
            ),
        )
        update_page(None, page.pk, PagePatch(content=page.content + "\n\nA second version."))
    for path_name, title in FOLDERS:
        create_folder(None, site.pk, "en", path_name, title)
    create_folder(None, site.pk, "en", "deep", "Deep", parent_path="docs/guides")

    set_api_enabled(True)
    issued = apikeys.create_api_key(
        None, name="fuzz", expiration="30d", group_ids=[administrators_group().pk]
    )
    apikeys.create_api_key(None, name="another", expiration="1y", group_ids=[editors.pk])
    world = World(
        admin=admin,
        api_key=issued.api_key,
        api_key_token=issued.token,
        session_token=tokens.issue_session_token(admin),
    )
    world.refresh()
    return world


def _every_uuid_key() -> dict[str, list[str]]:
    """The primary keys of every row with a UUID key, up to 50 per model: whatever an
    operation's UUID argument may name (sites, users, groups, pages, versions, tree items,
    keys, strategies)."""
    found: dict[str, list[str]] = {"nil": [str(uuid.UUID(int=0))]}
    for model in apps.get_models():
        if isinstance(model._meta.pk, models.UUIDField):
            ids = [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:50]]
            if ids:
                found[model._meta.label] = sorted(ids)
    return found
