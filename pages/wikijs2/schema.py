"""Which Wiki.js a database holds, and whether the import can read it.

Wiki.js 2 records each migration it ran in its ``migrations`` table (knex's bookkeeping,
named ``2.0.0.js`` ... ``2.5.128.js``); Wiki.js 3 records ``3.x`` names in the same table and
keys its entities by UUID; Wiki.js 1 kept its data in MongoDB, so a database converted from
it has its collections (``entries``, ``uplfiles`` ...) and no ``migrations`` table. The import
reads 2.5, the last 2.x schema; everything else is refused here, before anything is written,
with what to do about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .source import Source, SourceError

# The first schema the import reads: 2.5.12 added the last column it needs (redirectOnLogin).
MINIMUM = (2, 5, 12)
# What the import reads, table by table (a Wiki.js 2.5 database has all of it).
REQUIRED: dict[str, tuple[str, ...]] = {
    "settings": ("key", "value"),
    "groups": ("id", "name", "permissions", "pageRules", "isSystem", "redirectOnLogin",
               "createdAt", "updatedAt"),
    "users": ("id", "email", "name", "providerKey", "password", "tfaIsActive", "tfaSecret",
              "jobTitle", "location", "timezone", "isSystem", "isActive", "isVerified",
              "mustChangePwd", "localeCode", "lastLoginAt", "dateFormat", "appearance",
              "createdAt", "updatedAt"),
    "userGroups": ("userId", "groupId"),
    "tags": ("id", "tag", "title"),
    "pages": ("id", "path", "localeCode", "title", "description", "isPrivate", "isPublished",
              "publishStartDate", "publishEndDate", "content", "render", "toc", "contentType",
              "editorKey", "authorId", "creatorId", "extra", "createdAt", "updatedAt"),
    "pageTags": ("pageId", "tagId"),
    "pageHistory": ("id", "pageId", "path", "localeCode", "title", "description",
                    "isPrivate", "isPublished", "publishStartDate", "publishEndDate",
                    "content", "contentType", "editorKey", "authorId", "action",
                    "versionDate", "createdAt"),
    "apiKeys": ("id", "name", "key", "expiration", "isRevoked", "createdAt"),
}  # fmt: skip
# Collections of Wiki.js 1 (MongoDB), as a converted copy would name its tables.
WIKIJS1_TABLES = {"entries", "uplfiles", "uplfolders"}
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.]+))?")


@dataclass(frozen=True)
class SchemaInfo:
    version: str  # the last migration Wiki.js recorded, e.g. "2.5.128"
    engine: str  # "postgresql" or "sqlite"

    def __str__(self) -> str:
        engine = "PostgreSQL" if self.engine == "postgresql" else "SQLite"
        return f"Wiki.js {self.version} on {engine}"


def _version_of(name: str) -> tuple[tuple[int, int, int], str] | None:
    found = _VERSION.match(name)
    if not found:
        return None
    major, minor, patch, pre = found.groups()
    return (int(major), int(minor), int(patch)), pre or ""


def detect(source: Source) -> SchemaInfo:
    """The schema ``source`` holds if the import can read it; ``SourceError`` otherwise."""
    tables = source.tables()
    if "migrations" not in tables:
        if tables & WIKIJS1_TABLES:
            raise SourceError(
                f"{source.label} holds a Wiki.js 1.x database: this command imports Wiki.js 2.x. "
                "Move it to Wiki.js 2 first (Wiki.js 2's setup imports a 1.x installation), "
                "then import that."
            )
        if not tables:
            raise SourceError(f"{source.label} is empty: no Wiki.js tables in it")
        raise SourceError(
            f"{source.label} is not a Wiki.js database (no 'migrations' table among its "
            f"{len(tables)} tables): check the database name and the schema in the URL"
        )
    names = [str(row["name"]) for row in source.query('SELECT "name" FROM "migrations"')]
    versions = [parsed for parsed in map(_version_of, names) if parsed]
    if not versions:
        raise SourceError(f"{source.label}: its 'migrations' table names no Wiki.js version")
    if any(number[0] >= 3 for number, _ in versions):
        raise SourceError(
            f"{source.label} holds a Wiki.js 3.x database: this command imports Wiki.js 2.x "
            "(a Wiki.js 3 installation already speaks this server's /_graphql API; its data "
            "model differs and is not imported)"
        )
    released = [number for number, pre in versions if not pre]
    if not released:
        raise SourceError(
            f"{source.label} holds a Wiki.js 2.0 beta: start Wiki.js 2.5 on it once, so that "
            "it migrates the beta schema, then import"
        )
    latest = max(released)
    version = ".".join(map(str, latest))
    if latest < MINIMUM:
        raise SourceError(
            f"{source.label} holds Wiki.js {version}: the import reads Wiki.js 2.5. Upgrade "
            "that installation to the last 2.5 release (it migrates its database on start), "
            "then import"
        )
    if "migrations_lock" in tables:
        locks = source.query('SELECT "is_locked" FROM "migrations_lock"')
        if any(int(row["is_locked"] or 0) for row in locks):
            raise SourceError(
                f"{source.label}: Wiki.js {version} is in the middle of a migration (its "
                "migrations_lock is held). Let Wiki.js finish it, or restore the backup taken "
                "before the upgrade, then import"
            )
    missing = [
        f"{table}.{column}" if table in tables else table
        for table, columns in REQUIRED.items()
        for column in (columns if table in tables else columns[:1])
        if table not in tables or column not in source.column_types(table)
    ]
    if missing:
        shown = ", ".join(dict.fromkeys(missing[:12]))
        more = f" and {len(missing) - 12} more" if len(missing) > 12 else ""
        raise SourceError(
            f"{source.label} records Wiki.js {version} but its schema is incomplete (missing "
            f"{shown}{more}): a migration did not finish. Start Wiki.js {version} on it once "
            "so that it completes, or restore a backup, then import"
        )
    return SchemaInfo(version=version, engine=source.engine)
