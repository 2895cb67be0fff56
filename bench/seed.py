"""A realistic wiki, written fast: bulk COPY of model rows, every invariant the services keep.

Pages carry ~2 KB of Markdown rendered by the real renderer (html, toc, search text), tags in
both the JSON column and ``PageTag`` rows (with each tag's ``usage_count``), paths three and
four levels deep, legacy ids from the same counters ``wiki.legacy_ids`` hands out. Users (1,000
unless asked otherwise, topped up like pages) sit in the Users group and 1-2 of 20 groups whose
page rules cover every rule kind.

Rows are built as model instances and written with each field's own ``pre_save`` and
``get_db_prep_save``, so defaults and column formats are exactly what ``save()`` would write;
only the transport differs (PostgreSQL's COPY instead of one INSERT per row).
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts import apikeys, tokens
from accounts.authentication import guest_caller, user_caller
from accounts.group_rules import clean_rules
from accounts.models import GUESTS_GROUP_ID, USERS_GROUP_ID, Group, Membership, User
from accounts.services import administrators_group, new_user_profile
from pages.history import SNAPSHOT_FIELDS
from pages.models import (
    HistoryAction,
    Page,
    PageHistory,
    PageTag,
    Tag,
    TreeItem,
    TreeItemType,
    default_page_config,
    join_path,
    page_hash,
    split_path,
)
from pages.tree import ancestor_paths, folder_item, page_meta
from pages.visibility import visible_to
from wiki import legacy_ids
from wiki.bulk import insert_instances
from wiki.config import get_setting, set_api_enabled
from wiki.mail_settings import update_mail_config
from wiki.models import Site
from wiki.progress import Progress

from .operations import USER_COUNT, WikiFacts
from .render_worker import renderers

GROUP_COUNT = 20
CHUNK = 2000

SECTIONS = (
    "engineering",
    "operations",
    "people",
    "product",
    "sales",
    "support",
    "finance",
    "legal",
)
TOPICS = (
    "onboarding", "architecture", "runbooks", "policies", "releases", "planning",
    "tooling", "security", "reporting", "training", "vendors", "meetings",
)  # fmt: skip
SUBTOPICS = (
    "overview", "how-to", "reference", "faq", "archive",
    "drafts", "checklists", "templates", "decisions", "notes",
)  # fmt: skip
WORDS = (
    "account api backup billing build cache cluster config customer dashboard database deploy "
    "design incident index invoice kernel ledger license metrics migration monitor network "
    "onboarding payroll pipeline policy quota release report review roadmap schema search "
    "server service storage support team ticket timeline token update upgrade vendor workflow"
).split()
FIRST_NAMES = (
    "Ada Alan Amara Ana Ben Carla Chen Dara Diego Elena Emil Farah Finn Grace Hana Ian Ines "
    "Jonas Kai Lara Leo Lina Marta Milo Nadia Noah Omar Priya Quinn Rosa Sami Sofia Tara Theo "
    "Uma Vera Wen Yara Zane Zoe"
).split()
LAST_NAMES = (
    "Abbott Baker Costa Dubois Eriksen Fischer Garcia Haddad Ito Jansen Kowalski Larsen Moreau "
    "Novak Okafor Petrov Quinlan Rossi Schmidt Tanaka Umar Varga Weber Xu Young"
).split()
USER_QUERY = "novak"  # one last name: 40 users match by name and by email
# The section the Guests group may read (their default rule denies everything): what a guest's
# page views ask for. Only guests' rights change, so no other operation's figures do.
PUBLIC_SECTION = "support"


BENCH_MAIL = {
    "sender_name": "Bench Wiki",
    "sender_email": "wiki@bench.example.com",
    "default_base_url": "https://bench.example.com",
    "host": "smtp.bench.example.com",
    "port": 587,
    "name": "",
    "secure": False,
    "verify_ssl": True,
    "user": "mailer",
    "password": "bench-smtp-password",
    "use_dkim": False,
    "dkim_domain_name": "",
    "dkim_key_selector": "",
    "dkim_private_key": "",
}


# --- Content -------------------------------------------------------------------------------------
class ContentMaker:
    """Deterministic, varied Markdown of about 2 KB per page."""

    def __init__(self, seed: int = 6) -> None:
        rnd = random.Random(seed)  # noqa: S311 (repeatable data, not secrets)
        self.rnd = rnd
        self.sentences = [self._sentence(rnd) for _ in range(400)]
        self.paragraphs = [
            " ".join(rnd.choice(self.sentences) for _ in range(rnd.randint(3, 6)))
            for _ in range(300)
        ]

    @staticmethod
    def _sentence(rnd: random.Random) -> str:
        words = [rnd.choice(WORDS) for _ in range(rnd.randint(8, 16))]
        return " ".join(words).capitalize() + "."

    def page(self, title: str, number: int) -> str:
        rnd, paragraphs = self.rnd, self.paragraphs
        a, b, c = rnd.choice(WORDS), rnd.choice(WORDS), rnd.choice(WORDS)
        items = "\n".join(f"- {rnd.choice(self.sentences)}" for _ in range(rnd.randint(3, 5)))
        rows = "\n".join(
            f"| {rnd.choice(WORDS)} | {rnd.randint(1, 999)} | {rnd.choice(WORDS)} |"
            for _ in range(4)
        )
        return "\n\n".join(
            [
                f"# {title}",
                f"Page {number} of the {a} {b} handbook. {rnd.choice(paragraphs)}",
                f"## {a.capitalize()} overview",
                rnd.choice(paragraphs),
                items,
                f"## Working with {b}",
                rnd.choice(paragraphs),
                f"```sh\n{a}-cli sync --{b} {number}\n{c}-cli status\n```",
                f"| name | value | owner |\n|---|---|---|\n{rows}",
                f"### Notes on {c}",
                rnd.choice(paragraphs),
            ]
        )


def tag_vocabulary() -> list[str]:
    return [word + suffix for suffix in ("", "-guide", "-faq", "-policy") for word in WORDS][:200]


# --- The wiki ---------------------------------------------------------------------------------
def rule(mode: str, match: str, path: str, roles: Iterable[str], name: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "mode": mode,
        "match": match,
        "roles": list(roles),
        "path": path,
        "locales": [],
        "sites": [],
    }


READ = ("read:pages", "read:assets", "read:comments")
WRITE = ("read:pages", "write:pages", "read:source", "read:history")


def group_specs() -> list[tuple[str, list[str], list[dict]]]:
    """20 groups: per-section readers and editors, and a few with every other rule kind."""
    specs = []
    for section in SECTIONS:
        specs.append(
            (
                f"{section.capitalize()} readers",
                ["read:pages", "read:comments"],
                [rule("ALLOW", "START", section, READ, "section")],
            )
        )
        specs.append(
            (
                f"{section.capitalize()} editors",
                ["read:pages", "write:pages", "read:source"],
                [
                    rule("ALLOW", "START", section, WRITE, "section"),
                    rule("DENY", "START", f"{section}/policies", ("write:pages",), "frozen"),
                ],
            )
        )
    specs += [
        ("Auditors", ["read:pages", "read:history"], [rule("ALLOW", "START", "", READ, "all")]),
        (
            "Contractors",
            ["read:pages"],
            [
                rule("DENY", "START", "", READ, "nothing"),
                rule("ALLOW", "TAG", "onboarding-guide", READ, "onboarding"),
                rule("ALLOW", "EXACT", "support/onboarding/overview", READ, "welcome"),
            ],
        ),
        (
            "Runbook keepers",
            ["read:pages", "write:pages"],
            [
                rule("ALLOW", "REGEX", r"^(engineering|operations)/runbooks/", WRITE, "runbooks"),
                rule("ALLOW", "TAGALL", "incident release", WRITE, "incidents"),
            ],
        ),
        (
            "User managers",
            ["read:users", "write:users", "manage:users", "read:pages"],
            [rule("ALLOW", "END", "/faq", READ, "faqs")],
        ),
    ]
    assert len(specs) == GROUP_COUNT
    return specs


class Seeder:
    """Builds the wiki once, then tops it up to each requested size."""

    def __init__(self, progress: Progress | None = None, seed: int = 6) -> None:
        self.progress = progress or (lambda what, done, total: None)
        self.rnd = random.Random(seed)  # noqa: S311 (repeatable data, not secrets)
        self.content = ContentMaker(seed)
        self.next_number = 0
        self.site: Site | None = None
        self.authors: list = []
        self.tags: list[Tag] = []
        self.tag_weights: list[float] = []
        self.api_key_token = ""
        self.member: User | None = None
        self.groups: list[Group] = []  # the 20 rule groups
        self.user_count = 0  # seeded users (the root administrator aside)
        self.folders: set[str] | None = None  # folder paths with a tree item (locale en)

    # The fixed part: accounts, groups, tag vocabulary, API key.
    def base(self, users: int = USER_COUNT) -> None:
        self.site = Site.objects.get(hostname="*")
        User.objects.create_superuser(
            "admin@bench.example.com", uuid.uuid4().hex, name="Bench Admin"
        )
        self.groups = self._groups()
        self._open_to_guests()
        self.users_up_to(users)
        self._tags()
        set_api_enabled(True)
        # Configured mail, a sealed password and DKIM key included (what mailConfig reads).
        update_mail_config(**BENCH_MAIL)
        issued = apikeys.create_api_key(
            None, name="bench", expiration="30d", group_ids=[administrators_group().pk]
        )
        self.api_key_token = issued.token

    def _groups(self) -> list[Group]:
        specs = group_specs()
        ids = legacy_ids.allocate_many("group", len(specs))
        now = timezone.now()
        groups = [
            Group(name=name, permissions=perms, rules=rules, legacy_id=legacy, created_at=now)
            for (name, perms, rules), legacy in zip(specs, ids, strict=True)
        ]
        insert_instances(Group, groups)
        return groups

    @staticmethod
    def _open_to_guests() -> None:
        """Let guests read ``PUBLIC_SECTION`` (a public part of an otherwise private wiki).

        Validated as updateGroup validates rules; the write bumps the access version (a
        trigger), so no process keeps the guests' old policy."""
        guests = Group.objects.get(pk=GUESTS_GROUP_ID)
        public = rule("ALLOW", "START", PUBLIC_SECTION, READ, "public")
        guests.rules = clean_rules([*guests.rules, public])
        guests.save(update_fields=["rules"])

    def users_up_to(self, total: int) -> int:
        """Add users until ``total`` are seeded; returns how many were added.

        The n-th user is named after ``n`` alone, so a wiki topped up to 10,000 holds the same
        first 1,000 users as one seeded with 1,000, and ``USER_QUERY`` matches 4% of them.
        """
        missing = total - self.user_count
        if missing <= 0:
            return 0
        self.progress("users", 0, missing)
        # One real hash (the production hasher), shared: hashing 1,000 passwords would take
        # a minute and tell nothing about the API.
        password = make_password(uuid.uuid4().hex)
        defaults = get_setting("userDefaults")
        ids = iter(legacy_ids.allocate_many("user", missing))
        now = timezone.now()
        users, links = [], []
        for n in range(self.user_count, total):
            first = FIRST_NAMES[n % len(FIRST_NAMES)]
            last = LAST_NAMES[n // len(FIRST_NAMES) % len(LAST_NAMES)]
            user = User(
                email=f"{first}.{last}.{n}@example.com".lower(),
                name=f"{first} {last}",
                password=password,
                is_active=True,
                is_verified=True,
                legacy_id=next(ids),
                created_at=now - timedelta(days=self.rnd.randint(0, 700)),
                **new_user_profile(defaults),
            )
            users.append(user)
            links.append(Membership(user=user, group_id=USERS_GROUP_ID))
            for group in self.rnd.sample(self.groups, self.rnd.randint(1, 2)):
                links.append(Membership(user=user, group=group))
        with transaction.atomic():
            insert_instances(User, users)
            insert_instances(Membership, links)
        if self.member is None:
            self.member = users[0]  # a rule-bound member, for operations that call as one
        self.user_count = total
        self.authors = list(User.objects.filter(is_system=False).values_list("pk", flat=True))
        self.progress("users", missing, missing)
        tables = ", ".join(model._meta.db_table for model in (User, Membership))
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")
        return missing

    def _tags(self) -> None:
        names = tag_vocabulary()
        ids = legacy_ids.allocate_many("tag", len(names))
        self.tags = [
            Tag(site=self.site, tag=name, legacy_id=legacy)
            for name, legacy in zip(names, ids, strict=True)
        ]
        insert_instances(Tag, self.tags)
        # Zipf-like: a few tags are on many pages, most on few.
        self.tag_weights = [1 / (rank + 1) for rank in range(len(self.tags))]

    # Pages, up to a total.
    def pages_up_to(self, total: int) -> int:
        """Add pages until the wiki holds ``total``; returns how many were added.

        Chunks are drafted here, rendered by a process pool one chunk ahead, and written here.
        """
        missing = total - Page.objects.count()
        if missing <= 0:
            return 0
        self.progress("pages", 0, missing)
        site = self.site
        if self.folders is None:
            self.folders = set(
                TreeItem.objects.filter(
                    site=site, locale="en", type=TreeItemType.FOLDER
                ).values_list("path", flat=True)
            )
        depth = (site.config.get("defaults") or {}).get("tocDepth") or {"min": 1, "max": 2}
        counts = [min(CHUNK, missing - start) for start in range(0, missing, CHUNK)]
        written = 0
        with renderers(parallel=len(counts) > 2) as pool:
            ahead: deque = deque()
            for count in counts:
                pages, links = self._draft_chunk(count, depth)
                ahead.append((pages, links, pool.map_async([(p.content, depth) for p in pages])))
                if len(ahead) > 2:
                    written += self._write_chunk(*ahead.popleft())
                    self.progress("pages", written, missing)
            while ahead:
                written += self._write_chunk(*ahead.popleft())
                self.progress("pages", written, missing)
        self._recount_tags()
        return written

    def _draft_chunk(self, count: int, depth: dict) -> tuple[list[Page], list[PageTag]]:
        rnd, site = self.rnd, self.site
        ids = iter(legacy_ids.allocate_many("page", count))
        now = timezone.now()
        pages, links = [], []
        for _ in range(count):
            number = self.next_number
            self.next_number += 1
            section, topic = rnd.choice(SECTIONS), rnd.choice(TOPICS)
            slug = f"{rnd.choice(WORDS)}-{rnd.choice(WORDS)}-{number}"
            if rnd.random() < 0.6:
                path = f"{section}/{topic}/{rnd.choice(SUBTOPICS)}/{slug}"
            else:
                path = f"{section}/{topic}/{slug}"
            title = f"{rnd.choice(WORDS).capitalize()} {rnd.choice(WORDS)} {number}"
            chosen = list(dict.fromkeys(rnd.choices(self.tags, self.tag_weights, k=3)))
            config = default_page_config()
            config["tocDepth"] = dict(depth)
            author = rnd.choice(self.authors)
            created = now - timedelta(minutes=rnd.randint(60, 700 * 24 * 60))
            page = Page(
                site=site,
                locale="en",
                path=path,
                hash=page_hash("en", path),
                legacy_id=next(ids),
                title=title,
                description=f"About {title.lower()}",
                publish_state="draft" if rnd.random() < 0.03 else "published",
                config=config,
                content=self.content.page(title, number),
                tags=[tag.tag for tag in chosen],
                editor="markdown",
                content_type="markdown",
                author_id=author,
                creator_id=author,
                owner_id=author,
                created_at=created,
                updated_at=created + timedelta(minutes=rnd.randint(0, 60 * 24 * 30)),
            )
            pages.append(page)
            links.extend(PageTag(page=page, tag=tag) for tag in chosen)
        return pages, links

    def _write_chunk(self, pages: list[Page], links: list[PageTag], rendering) -> int:
        for page, (html, toc, text) in zip(pages, rendering.get(), strict=True):
            page.render, page.toc, page.search_content = html, toc, text
        with transaction.atomic():
            insert_instances(Page, pages)
            insert_instances(PageTag, links)
            insert_instances(TreeItem, self._tree_items(pages))
        return len(pages)

    def _tree_items(self, pages: list[Page]) -> list[TreeItem]:
        """The pages' tree items and their missing folders, as ``pages.tree`` makes them.

        A folder is dated like the first page that needed it (the migration's backfill
        does the same); its title is its segment name.
        """
        items = []
        for page in pages:
            for path in ancestor_paths(page.path):
                if path not in self.folders:
                    self.folders.add(path)
                    items.append(
                        folder_item(
                            page.site_id,
                            page.locale,
                            path,
                            created_at=page.created_at,
                            updated_at=page.created_at,
                        )
                    )
            folder_path, file_name = split_path(page.path)
            items.append(
                TreeItem(
                    id=page.pk,
                    page_id=page.pk,
                    site_id=page.site_id,
                    locale=page.locale,
                    type=TreeItemType.PAGE,
                    folder_path=folder_path,
                    file_name=file_name,
                    path=page.path,
                    depth=page.path.count("/"),
                    hash=page.hash,
                    title=page.title,
                    tags=list(page.tags),
                    meta=page_meta(page),
                    created_at=page.created_at,
                    updated_at=page.updated_at,
                )
            )
        ids = legacy_ids.allocate_many(TreeItem.legacy_kind, len(items))
        for item, legacy_id in zip(items, ids, strict=True):
            item.legacy_id = legacy_id
        return items

    @staticmethod
    def _recount_tags() -> None:
        tag, link = Tag._meta.db_table, PageTag._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {tag} SET usage_count = (SELECT count(*) FROM {link} "  # noqa: S608
                f"WHERE {link}.tag_id = {tag}.id), updated_at = now()"
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def facts(self, run_id: str, sample: int = 64) -> WikiFacts:
        """Samples spread over the pages; the sampled pages get a history when they have none."""
        rows = list(
            Page.objects.exclude(path__startswith="bench/")
            .order_by("id")
            .values_list("pk", "path", "legacy_id")
        )
        step = max(len(rows) // sample, 1)
        picked = rows[::step][:sample]
        # Pages between the sampled ones (the same ones when the wiki is tiny).
        edited = rows[step // 2 :: step][:sample]
        self.give_history([pk for pk, _, _ in picked])
        folders = list(dict.fromkeys(split_path(path)[0] for _, path, _ in picked))
        return WikiFacts(
            site_id=str(self.site.pk),
            page_ids=[str(pk) for pk, _, _ in picked],
            page_paths=[path for _, path, _ in picked],
            page_legacy_ids=[legacy_id for _, _, legacy_id in picked],
            edit_page_ids=[str(pk) for pk, _, _ in edited],
            folder_paths=folders[:16],
            group_ids=[str(group.pk) for group in self.groups],
            user_query=USER_QUERY,
            run_id=run_id,
            body_markdown=self.content.page("Created by the benchmark", 0),
            guest_page_paths=self.readable_paths(guest_caller(), sample),
            member_page_paths=self.readable_paths(user_caller(self.member), sample),
        )

    def readable_paths(self, caller, sample: int) -> list[str]:
        """Paths (locale en) of seeded pages ``caller`` may read and see, spread like the
        samples above: decided by the permission engine, whatever the groups' rules."""
        seeded = Page.objects.filter(site=self.site, locale="en").exclude(path__startswith="bench/")
        paths = list(visible_to(caller, seeded).order_by("id").values_list("path", flat=True))
        return paths[:: max(len(paths) // sample, 1)][:sample]

    def give_history(self, page_ids: list) -> int:
        """3-5 archived versions for each of these pages that has none; returns how many.

        Written as ``pages.history.record_version`` writes them: a snapshot of the page, by
        successive authors, each dated before the next; the oldest was at another path (the
        page was moved once), the others were superseded by edits.
        """
        with_history = set(
            PageHistory.objects.filter(page_id__in=page_ids).values_list("page_id", flat=True)
        )
        pages = Page.objects.filter(pk__in=page_ids).exclude(pk__in=with_history).order_by("pk")
        versions = []
        for page in pages:
            count = self.rnd.randint(3, 5)
            for age in range(count, 0, -1):
                oldest = age == count
                version = PageHistory(
                    page_id=page.pk,
                    site_id=page.site_id,
                    action=HistoryAction.MOVED if oldest else HistoryAction.UPDATED,
                    affected_fields=["path"] if oldest else ["content"],
                    author_id=self.rnd.choice(self.authors),
                    version_date=page.updated_at - timedelta(days=age, minutes=age * 7),
                    **{name: getattr(page, name) for name in SNAPSHOT_FIELDS},
                )
                if oldest:
                    version.path = join_path(split_path(page.path)[0], f"draft-{page.legacy_id}")
                    version.hash = page_hash(page.locale, version.path)
                versions.append(version)
        ids = legacy_ids.allocate_many(PageHistory.legacy_kind, len(versions))
        for version, legacy_id in zip(versions, ids, strict=True):
            version.legacy_id = legacy_id
        with transaction.atomic():
            return insert_instances(PageHistory, versions)


# Who an operation calls as (Operation.caller): a bearer token for the seeded wiki.
CALLERS: dict[str, Callable[[Seeder], str]] = {
    "admin_key": lambda seeder: seeder.api_key_token,
    # A session token lives 30 minutes: issued when the operation runs.
    "member": lambda seeder: tokens.issue_session_token(seeder.member),
    # No credential: what a sign-in page asks before anyone is signed in.
    "guest": lambda seeder: "",
}
