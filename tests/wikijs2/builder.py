"""Wiki.js 2.5 databases for the import's tests, on PostgreSQL or SQLite.

The tables, columns and value formats are those Wiki.js 2.5.128 leaves after running its
migrations (``server/db/migrations*/2.0.0.js`` to ``2.5.128.js``): camelCase names, dates as
ISO text, JSON columns, booleans as SQLite stores them (0/1), settings rows wrapping plain
values as ``{"v": ...}``, bcrypt password hashes made as bcryptjs makes them (``$2a$``), the
RSA key pair in the ``certs`` row with its private half encrypted under the ``sessionSecret``
row, and API keys signed with it. The factories write what Wiki.js 2 writes for the same
action (an edit archives the previous state in ``pageHistory`` before changing the page).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import sqlite3
from contextlib import suppress
from typing import Any

import bcrypt
import jwt
import psycopg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# (table, [(column, type, constraint)]) in creation order; types are knex's, mapped per engine.
# Each table's columns are 2.0.0's followed by those later migrations added.
TABLES: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("analytics", [("key", "string", "pk"), ("isEnabled", "boolean", "nn false"),
                   ("config", "json", "nn")]),
    ("assets", [("id", "increments", "pk"), ("filename", "string", "nn"), ("hash", "string", "nn"),
                ("ext", "string", "nn"), ("kind", "string", "nn 'binary'"),
                ("mime", "string", "nn 'application/octet-stream'"),
                ("fileSize", "integer", ""), ("metadata", "json", ""),
                ("createdAt", "string", "nn"), ("updatedAt", "string", "nn"),
                ("folderId", "integer", ""), ("authorId", "integer", "")]),
    ("assetData", [("id", "integer", "pk"), ("data", "binary", "nn")]),
    ("assetFolders", [("id", "increments", "pk"), ("name", "string", "nn"),
                      ("slug", "string", "nn"), ("parentId", "integer", "")]),
    ("authentication", [("key", "string", "pk"), ("isEnabled", "boolean", "nn false"),
                        ("config", "json", "nn"), ("selfRegistration", "boolean", "nn false"),
                        ("domainWhitelist", "json", "nn"), ("autoEnrollGroups", "json", "nn"),
                        ("order", "integer", "nn 0"), ("strategyKey", "string", "nn ''"),
                        ("displayName", "string", "nn ''")]),
    ("commentProviders", [("key", "string", "pk"), ("isEnabled", "boolean", "nn false"),
                          ("config", "json", "nn")]),
    ("comments", [("id", "increments", "pk"), ("content", "text", "nn"),
                  ("createdAt", "string", "nn"), ("updatedAt", "string", "nn"),
                  ("pageId", "integer", ""), ("authorId", "integer", ""),
                  ("render", "text", "nn ''"), ("name", "string", "nn ''"),
                  ("email", "string", "nn ''"), ("ip", "string", "nn ''"),
                  ("replyTo", "integer", "nn 0")]),
    ("editors", [("key", "string", "pk"), ("isEnabled", "boolean", "nn false"),
                 ("config", "json", "nn")]),
    ("groups", [("id", "increments", "pk"), ("name", "string", "nn"),
                ("permissions", "json", "nn"), ("pageRules", "json", "nn"),
                ("isSystem", "boolean", "nn false"), ("createdAt", "string", "nn"),
                ("updatedAt", "string", "nn"), ("redirectOnLogin", "string", "nn '/'")]),
    ("locales", [("code", "string5", "pk"), ("strings", "json", ""),
                 ("isRTL", "boolean", "nn false"), ("name", "string", "nn"),
                 ("nativeName", "string", "nn"), ("availability", "integer", "nn 0"),
                 ("createdAt", "string", "nn"), ("updatedAt", "string", "nn")]),
    ("loggers", [("key", "string", "pk"), ("isEnabled", "boolean", "nn false"),
                 ("level", "string", "nn 'warn'"), ("config", "json", "")]),
    ("navigation", [("key", "string", "pk"), ("config", "json", "")]),
    ("pageHistory", [("id", "increments", "pk"), ("path", "string", "nn"),
                     ("hash", "string", "nn"), ("title", "string", "nn"),
                     ("description", "string", ""), ("isPrivate", "boolean", "nn false"),
                     ("isPublished", "boolean", "nn false"), ("publishStartDate", "string", ""),
                     ("publishEndDate", "string", ""), ("action", "string", "'updated'"),
                     ("pageId", "integer", ""), ("content", "text", ""),
                     ("contentType", "string", "nn"), ("createdAt", "string", "nn"),
                     ("editorKey", "string", ""), ("localeCode", "string5", ""),
                     ("authorId", "integer", ""), ("versionDate", "string", "nn ''"),
                     ("extra", "json", "nn '{}'")]),
    ("pageLinks", [("id", "increments", "pk"), ("path", "string", "nn"),
                   ("localeCode", "string5", "nn"), ("pageId", "integer", "")]),
    ("pages", [("id", "increments", "pk"), ("path", "string", "nn"), ("hash", "string", "nn"),
               ("title", "string", "nn"), ("description", "string", ""),
               ("isPrivate", "boolean", "nn false"), ("isPublished", "boolean", "nn false"),
               ("privateNS", "string", ""), ("publishStartDate", "string", ""),
               ("publishEndDate", "string", ""), ("content", "text", ""),
               ("render", "text", ""), ("toc", "json", ""), ("contentType", "string", "nn"),
               ("createdAt", "string", "nn"), ("updatedAt", "string", "nn"),
               ("editorKey", "string", ""), ("localeCode", "string5", ""),
               ("authorId", "integer", ""), ("creatorId", "integer", ""),
               ("extra", "json", "nn '{}'")]),
    ("pageTree", [("id", "integer", "pk"), ("path", "string", "nn"), ("depth", "integer", "nn"),
                  ("title", "string", "nn"), ("isPrivate", "boolean", "nn false"),
                  ("isFolder", "boolean", "nn false"), ("privateNS", "string", ""),
                  ("parent", "integer", ""), ("pageId", "integer", ""),
                  ("localeCode", "string5", ""), ("ancestors", "json", "")]),
    ("renderers", [("key", "string", "pk"), ("isEnabled", "boolean", "nn false"),
                   ("config", "json", "")]),
    ("searchEngines", [("key", "string", "pk"), ("isEnabled", "boolean", "nn false"),
                       ("config", "json", "")]),
    ("settings", [("key", "string", "pk"), ("value", "json", ""),
                  ("updatedAt", "string", "nn")]),
    ("storage", [("key", "string", "pk"), ("isEnabled", "boolean", "nn false"),
                 ("mode", "string", "nn 'push'"), ("config", "json", ""),
                 ("syncInterval", "string", ""), ("state", "json", "")]),
    ("tags", [("id", "increments", "pk"), ("tag", "string", "nn unique"), ("title", "string", ""),
              ("createdAt", "string", "nn"), ("updatedAt", "string", "nn")]),
    ("userKeys", [("id", "increments", "pk"), ("kind", "string", "nn"),
                  ("token", "string", "nn"), ("createdAt", "string", "nn"),
                  ("validUntil", "string", "nn"), ("userId", "integer", "")]),
    ("users", [("id", "increments", "pk"), ("email", "string", "nn"), ("name", "string", "nn"),
               ("providerId", "string", ""), ("password", "string", ""),
               ("tfaIsActive", "boolean", "nn false"), ("tfaSecret", "string", ""),
               ("jobTitle", "string", "''"), ("location", "string", "''"),
               ("pictureUrl", "string", ""),
               ("timezone", "string", "nn 'America/New_York'"),
               ("isSystem", "boolean", "nn false"), ("isActive", "boolean", "nn false"),
               ("isVerified", "boolean", "nn false"), ("mustChangePwd", "boolean", "nn false"),
               ("createdAt", "string", "nn"), ("updatedAt", "string", "nn"),
               ("providerKey", "string", "nn 'local'"), ("localeCode", "string5", "nn 'en'"),
               ("defaultEditor", "string", "nn 'markdown'"), ("lastLoginAt", "string", ""),
               ("dateFormat", "string", "nn ''"), ("appearance", "string", "nn ''")]),
    ("pageHistoryTags", [("id", "increments", "pk"), ("pageId", "integer", ""),
                         ("tagId", "integer", "")]),
    ("pageTags", [("id", "increments", "pk"), ("pageId", "integer", ""),
                  ("tagId", "integer", "")]),
    ("userGroups", [("id", "increments", "pk"), ("userId", "integer", ""),
                    ("groupId", "integer", "")]),
    ("apiKeys", [("id", "increments", "pk"), ("name", "string", "nn"), ("key", "text", "nn"),
                 ("expiration", "string", "nn"), ("isRevoked", "boolean", "nn false"),
                 ("createdAt", "string", "nn"), ("updatedAt", "string", "nn")]),
    ("userAvatars", [("id", "integer", "pk"), ("data", "binary", "nn")]),
]  # fmt: skip

# Knex's own bookkeeping, under the table name Wiki.js gives it.
MIGRATION_TABLES = {
    "migrations": [("id", "increments", "pk"), ("name", "string", ""), ("batch", "integer", ""),
                   ("migration_time", "timestamp", "")],
    "migrations_lock": [("index", "increments", "pk"), ("is_locked", "integer", "")],
}  # fmt: skip

POSTGRES_MIGRATIONS = (
    "2.0.0 2.1.85 2.2.3 2.2.17 2.3.10 2.3.23 2.4.13 2.4.14 2.4.36 2.4.61 "
    "2.5.1 2.5.12 2.5.108 2.5.118 2.5.122 2.5.128"
).split()
SQLITE_MIGRATIONS = (
    "2.0.0 2.2.3 2.2.17 2.3.10 2.3.14 2.3.23 2.4.13 2.4.36 2.4.61 "
    "2.5.1 2.5.12 2.5.108 2.5.118 2.5.122 2.5.128"
).split()

_POSTGRES_TYPES = {
    "increments": "serial", "integer": "integer", "string": "varchar(255)",
    "string5": "varchar(5)", "text": "text", "boolean": "boolean", "json": "json",
    "binary": "bytea", "timestamp": "timestamptz",
}  # fmt: skip
_SQLITE_TYPES = {
    "increments": "integer", "integer": "integer", "string": "varchar(255)",
    "string5": "varchar(5)", "text": "text", "boolean": "boolean", "json": "json",
    "binary": "blob", "timestamp": "datetime",
}  # fmt: skip


def iso(moment: dt.datetime | None = None) -> str:
    """A date as Wiki.js 2 stores it (``moment.utc().toISOString()``)."""
    moment = moment or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def bcrypt_hash(password: str, rounds: int = 4) -> str:
    """A bcrypt hash as bcryptjs writes it (``$2a$``); Wiki.js uses 12 rounds, tests 4."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds, prefix=b"2a")).decode()


def page_hash(locale: str, path: str, private_ns: str = "") -> str:
    return hashlib.sha1(f"{locale}|{path}|{private_ns}".encode()).hexdigest()  # noqa: S324


def make_key_pair(passphrase: str) -> tuple[Any, dict[str, Any]]:
    """An RSA key pair as Wiki.js 2's setup makes it: PKCS#1 PEMs, the private one encrypted
    with AES-256-CBC under ``passphrase``; returns the key and the ``certs`` setting."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(passphrase.encode()),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        .decode()
    )
    numbers = key.public_key().public_numbers()

    def b64(value: int) -> str:
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    jwk = {"kty": "RSA", "n": b64(numbers.n), "e": b64(numbers.e)}
    return key, {"jwk": jwk, "public": public_pem, "private": private_pem}


def ddl(engine: str, table: str, columns: list[tuple[str, str, str]]) -> str:
    types = _POSTGRES_TYPES if engine == "postgresql" else _SQLITE_TYPES
    parts = []
    for name, kind, constraint in columns:
        sql_type = types[kind]
        text = f'"{name}" {sql_type}'
        if kind == "increments":
            text += " PRIMARY KEY" + (" AUTOINCREMENT" if engine == "sqlite" else "")
        elif "pk" in constraint.split():
            text += " PRIMARY KEY"
        words = constraint.split(" ", 1) if constraint else []
        if words and words[0] == "nn":
            text += " NOT NULL"
            words = words[1:]
        rest = " ".join(words)
        if "unique" in rest:
            text += " UNIQUE"
            rest = rest.replace("unique", "").strip()
        if rest and rest != "pk":
            default = rest
            if default in ("false", "true") and engine == "sqlite":
                default = "0" if default == "false" else "1"
            text += f" DEFAULT {default}"
        parts.append(text)
    return f'CREATE TABLE "{table}" ({", ".join(parts)})'


class WikiJs2:
    """A Wiki.js 2.5 database being written, PostgreSQL or SQLite."""

    def __init__(self, connection: Any, engine: str, url: str) -> None:
        self.connection = connection
        self.engine = engine
        self.url = url  # what ``import_wikijs2 --source`` is given
        self.passphrase = ""
        self.signing_key: Any = None
        self.audience = "urn:wiki.js"
        self._clock = dt.datetime(2023, 1, 1, 9, 0, tzinfo=dt.UTC)

    # --- Opening -------------------------------------------------------------------------------
    @classmethod
    def postgres(cls, admin_url: str, name: str) -> WikiJs2:
        """A new, empty PostgreSQL database ``name`` (dropped first if a test left it)."""
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
        return cls(psycopg.connect(url, autocommit=True), "postgresql", url)

    @classmethod
    def sqlite(cls, path: str) -> WikiJs2:
        connection = sqlite3.connect(path, isolation_level=None)
        return cls(connection, "sqlite", f"sqlite:///{path}")

    @staticmethod
    def drop_postgres(admin_url: str, name: str) -> None:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        with suppress(Exception):
            self.connection.close()

    # --- Low level -----------------------------------------------------------------------------
    def execute(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        if self.engine == "sqlite":
            sql = sql.replace("%s", "?")
        cursor = self.connection.execute(sql, list(params))
        try:
            return list(cursor.fetchall())
        except (psycopg.ProgrammingError, sqlite3.ProgrammingError):
            return []

    def _value(self, kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind == "json":
            return json.dumps(value)
        if kind == "boolean" and self.engine == "sqlite":
            return int(bool(value))
        return value

    def insert(self, table: str, **values: Any) -> int | None:
        """Insert one row; returns its ``id`` when the table has one."""
        kinds = _kinds(table)
        names = list(values)
        marks = ", ".join(["%s"] * len(names))
        quoted = ", ".join(f'"{n}"' for n in names)
        returning = ' RETURNING "id"' if "id" in kinds and kinds["id"] == "increments" else ""
        rows = self.execute(
            f'INSERT INTO "{table}" ({quoted}) VALUES ({marks}){returning}',  # noqa: S608
            [self._value(kinds[n], values[n]) for n in names],
        )
        return rows[0][0] if rows else None

    def update(self, table: str, row_id: int, **values: Any) -> None:
        kinds = _kinds(table)
        assignments = ", ".join(f'"{n}" = %s' for n in values)
        self.execute(
            f'UPDATE "{table}" SET {assignments} WHERE "id" = %s',  # noqa: S608
            [*(self._value(kinds[n], v) for n, v in values.items()), row_id],
        )

    def row(self, table: str, row_id: int) -> dict[str, Any]:
        names = [n for n, _, _ in _columns_of(table)]
        quoted = ", ".join(f'"{n}"' for n in names)
        found = self.execute(
            f'SELECT {quoted} FROM "{table}" WHERE "id" = %s',  # noqa: S608
            [row_id],
        )
        values = dict(zip(names, found[0], strict=True))
        kinds = _kinds(table)
        for name, value in values.items():
            if kinds[name] == "json" and isinstance(value, str):
                values[name] = json.loads(value)
            elif kinds[name] == "boolean" and value is not None:
                values[name] = bool(value)
        return values

    def now(self, minutes: int = 1) -> str:
        """A clock that moves on by ``minutes`` at each call, so that rows have distinct dates."""
        self._clock += dt.timedelta(minutes=minutes)
        return iso(self._clock)

    # --- Schema --------------------------------------------------------------------------------
    def create_schema(
        self,
        *,
        migrations: list[str] | None = None,
        without: dict[str, set[str]] | None = None,
        locked: bool = False,
    ) -> None:
        """The tables of Wiki.js 2.5.128 and the record of the migrations that made them.

        ``migrations`` records other ones; ``without`` leaves columns out (a migration that
        did not finish); ``locked`` leaves knex's migration lock held."""
        without = without or {}
        for table, columns in [*TABLES, *MIGRATION_TABLES.items()]:
            kept = [c for c in columns if c[0] not in without.get(table, set())]
            self.execute(ddl(self.engine, table, kept))
        names = migrations
        if names is None:
            names = POSTGRES_MIGRATIONS if self.engine == "postgresql" else SQLITE_MIGRATIONS
        for name in names:
            self.insert("migrations", name=f"{name}.js", batch=1, migration_time=iso())
        self.insert("migrations_lock", is_locked=int(locked))

    def create_wikijs1_schema(self) -> None:
        """What a Wiki.js 1.x installation's MongoDB collections become in a SQL copy."""
        for table in ("entries", "uplfiles", "uplfolders", "users", "settings"):
            self.execute(f'CREATE TABLE "{table}" ("_id" varchar(24) PRIMARY KEY, "data" text)')

    def create_wikijs3_schema(self) -> None:
        """The part of a Wiki.js 3 database that tells it apart: UUID keys, 3.x migrations."""
        uuid_type = "uuid" if self.engine == "postgresql" else "varchar(36)"
        for table in ("pages", "users", "groups", "settings", "sites"):
            self.execute(f'CREATE TABLE "{table}" ("id" {uuid_type} PRIMARY KEY, "data" text)')
        for table, columns in MIGRATION_TABLES.items():
            self.execute(ddl(self.engine, table, columns))
        self.insert("migrations", name="3.0.0.mjs", batch=1, migration_time=iso())

    def set_setting(self, key: str, value: Any) -> None:
        """A settings row as ``configSvc.saveToDb`` writes it (plain values wrapped)."""
        stored = value if isinstance(value, dict) else {"v": value}
        self.execute('DELETE FROM "settings" WHERE "key" = %s', [key])
        self.insert("settings", key=key, value=stored, updatedAt=iso())

    def install(
        self,
        *,
        title: str = "Wiki.js",
        admin_email: str = "admin@example.com",
        admin_password: str = "AdminPassword1",  # noqa: S107
        audience: str = "urn:wiki.js",
    ) -> WikiJs2:
        """What Wiki.js 2's setup writes: settings, key pair, groups 1-2, users 1-2."""
        self.create_schema()
        self.passphrase = secrets.token_hex(32)
        self.audience = audience
        self.signing_key, certs = make_key_pair(self.passphrase)
        self.set_setting("auth", {"audience": audience, "tokenExpiration": "30m",
                                  "tokenRenewal": "14d"})  # fmt: skip
        self.set_setting("certs", certs)
        self.set_setting("sessionSecret", self.passphrase)
        self.set_setting("title", title)
        self.set_setting("api", {"isEnabled": False})
        self.set_setting("company", "")
        self.set_setting("contentLicense", "")
        self.set_setting("host", "https://wiki.example.com")
        self.set_setting("lang", {"code": "en", "autoUpdate": True, "namespacing": False,
                                  "namespaces": []})  # fmt: skip
        self.set_setting("logoUrl", "https://static.requarks.io/logo/wikijs-butterfly.svg")
        self.set_setting("features", {"featurePageRatings": True, "featurePageComments": True,
                                      "featurePersonalWikis": True})  # fmt: skip
        self.set_setting("seo", {"description": "", "robots": ["index", "follow"],
                                 "analyticsService": "", "analyticsId": ""})  # fmt: skip
        self.set_setting("theming", {"theme": "default", "darkMode": False, "iconset": "mdi",
                                     "injectCSS": "", "injectHead": "", "injectBody": ""})  # fmt: skip
        self.set_setting("telemetry", {"isEnabled": False, "clientId": "c0ffee"})
        self.set_setting("uploads", {"maxFileSize": 5242880, "maxFiles": 10,
                                     "scanSVG": True, "forceDownload": True})  # fmt: skip
        self.insert("locales", code="en", strings={}, isRTL=False, name="English",
                    nativeName="English", availability=100, createdAt=iso(),
                    updatedAt=iso())  # fmt: skip
        for key in ("markdown", "ckeditor", "code", "api", "asciidoc", "redirect"):
            self.insert("editors", key=key, isEnabled=key == "markdown", config={})
        self.insert("authentication", key="local", isEnabled=True, config={},
                    selfRegistration=False, domainWhitelist={"v": []},
                    autoEnrollGroups={"v": []}, order=0, strategyKey="local",
                    displayName="Local")  # fmt: skip
        admins = self.add_group("Administrators", ["manage:system"], [], is_system=True)
        guests = self.add_group(
            "Guests",
            ["read:pages", "read:assets", "read:comments"],
            [rule("guest", ["read:pages", "read:assets", "read:comments"], "START", "")],
            is_system=True,
        )
        assert (admins, guests) == (1, 2)
        admin = self.add_user(admin_email, "Administrator", admin_password, groups=[admins])
        guest = self.add_user(
            "guest@example.com", "Guest", "", groups=[guests], isSystem=True, hashed=""
        )
        assert (admin, guest) == (1, 2)
        return self

    # --- Factories -----------------------------------------------------------------------------
    def add_group(
        self,
        name: str,
        permissions: list[str],
        page_rules: list[dict],
        *,
        is_system: bool = False,
        redirect_on_login: str = "/",
    ) -> int:
        at = self.now()
        return self.insert(
            "groups", name=name, permissions=permissions, pageRules=page_rules,
            isSystem=is_system, createdAt=at, updatedAt=at, redirectOnLogin=redirect_on_login,
        )  # fmt: skip

    def add_user(
        self,
        email: str,
        name: str,
        password: str | None = "Password123",  # noqa: S107
        *,
        groups: list[int] = (),
        provider: str = "local",
        hashed: str | None = None,
        **columns: Any,
    ) -> int:
        """A user as Wiki.js 2 stores one; ``password`` is hashed unless ``hashed`` is given."""
        at = self.now()
        stored = hashed if hashed is not None else (bcrypt_hash(password) if password else None)
        values = {
            "email": email.lower(), "name": name, "providerKey": provider,
            "password": stored, "isActive": True, "isVerified": True,
            "createdAt": at, "updatedAt": at, "localeCode": "en", "defaultEditor": "markdown",
            "timezone": "America/New_York", "dateFormat": "", "appearance": "",
            "jobTitle": "", "location": "",
        }  # fmt: skip
        values.update(columns)
        user_id = self.insert("users", **values)
        for group in groups:
            self.insert("userGroups", userId=user_id, groupId=group)
        return user_id

    def add_tag(self, tag: str, title: str | None = None) -> int:
        at = self.now()
        return self.insert("tags", tag=tag, title=title or tag, createdAt=at, updatedAt=at)

    def tag_id(self, tag: str) -> int:
        found = self.execute('SELECT "id" FROM "tags" WHERE "tag" = %s', [tag])
        return found[0][0] if found else self.add_tag(tag)

    def add_page(
        self,
        path: str,
        title: str,
        content: str = "",
        *,
        locale: str = "en",
        tags: list[str] = (),
        author: int = 1,
        creator: int | None = None,
        **columns: Any,
    ) -> int:
        at = self.now()
        content = content or f"# {title}\n\nAbout {title.lower()}."
        values = {
            "path": path, "hash": page_hash(locale, path), "title": title,
            "description": f"About {title}", "isPrivate": False, "isPublished": True,
            "privateNS": None, "publishStartDate": "", "publishEndDate": "",
            "content": content, "render": render_of(title, content),
            "toc": [{"title": title, "anchor": f"#{slug(title)}", "children": []}],
            "contentType": "markdown", "createdAt": at, "updatedAt": at,
            "editorKey": "markdown", "localeCode": locale, "authorId": author,
            "creatorId": creator or author, "extra": {"js": "", "css": ""},
        }  # fmt: skip
        values.update(columns)
        page_id = self.insert("pages", **values)
        for tag in tags:
            self.insert("pageTags", pageId=page_id, tagId=self.tag_id(tag))
        return page_id

    def _archive(self, page: dict[str, Any], action: str) -> int:
        """``pageHistory.addVersion``: the page's current state, dated by its last update."""
        return self.insert(
            "pageHistory", pageId=page["id"], authorId=page["authorId"],
            content=page["content"], contentType=page["contentType"],
            description=page["description"], editorKey=page["editorKey"], hash=page["hash"],
            isPrivate=page["isPrivate"], isPublished=page["isPublished"],
            localeCode=page["localeCode"], path=page["path"],
            publishEndDate=page["publishEndDate"] or "",
            publishStartDate=page["publishStartDate"] or "", title=page["title"],
            action=action, versionDate=page["updatedAt"], createdAt=self.now(0),
        )  # fmt: skip

    def edit_page(self, page_id: int, *, author: int | None = None, **changes: Any) -> int:
        """An update as Wiki.js 2 makes it: archive the page, then change it. Returns the
        archived version's id."""
        page = self.row("pages", page_id)
        version = self._archive(page, "updated")
        if "content" in changes and "render" not in changes:
            changes["render"] = render_of(changes.get("title", page["title"]), changes["content"])
        self.update(
            "pages", page_id, **changes, authorId=author or page["authorId"], updatedAt=self.now()
        )
        return version

    def move_page(self, page_id: int, path: str, *, locale: str | None = None) -> int:
        page = self.row("pages", page_id)
        version = self._archive(page, "moved")
        locale = locale or page["localeCode"]
        self.update(
            "pages", page_id, path=path, localeCode=locale, hash=page_hash(locale, path),
            updatedAt=self.now(),
        )  # fmt: skip
        return version

    def delete_page(self, page_id: int) -> int:
        page = self.row("pages", page_id)
        version = self._archive(page, "deleted")
        self.execute('DELETE FROM "pageTags" WHERE "pageId" = %s', [page_id])
        self.execute('DELETE FROM "pages" WHERE "id" = %s', [page_id])
        return version

    def add_api_key(
        self,
        name: str,
        *,
        expiration: str = "1y",
        full_access: bool = True,
        group: int | None = None,
        revoked: bool = False,
        lifetime: dt.timedelta = dt.timedelta(days=365),
    ) -> tuple[int, str]:
        """``apiKeys.createNewKey``: a row, then the key signed with the installation's key
        pair and stored whole. Returns the id and the key."""
        expires = dt.datetime.now(dt.UTC) + lifetime
        at = iso()
        key_id = self.insert(
            "apiKeys", name=name, key="pending", expiration=iso(expires), isRevoked=True,
            createdAt=at, updatedAt=at,
        )  # fmt: skip
        token = self.sign({"api": key_id, "grp": 1 if full_access else group}, lifetime)
        self.update("apiKeys", key_id, key=token, isRevoked=revoked, updatedAt=iso())
        return key_id, token

    def sign(self, claims: dict[str, Any], lifetime: dt.timedelta) -> str:
        """``jwt.sign`` as Wiki.js 2 calls it: RS256, its audience, issuer ``urn:wiki.js``."""
        now = int(dt.datetime.now(dt.UTC).timestamp())
        payload = {
            **claims, "iat": now, "exp": now + int(lifetime.total_seconds()),
            "aud": self.audience, "iss": "urn:wiki.js",
        }  # fmt: skip
        return jwt.encode(payload, self.signing_key, algorithm="RS256")

    def session_token(self, user_id: int) -> str:
        """A Wiki.js 2 session token (``users.generateToken``), which this server refuses."""
        user = self.row("users", user_id)
        return self.sign(
            {"id": user_id, "email": user["email"], "name": user["name"], "av": None,
             "tz": user["timezone"], "lc": user["localeCode"], "df": "", "ap": "",
             "permissions": ["manage:system"], "groups": [1]},
            dt.timedelta(minutes=30),
        )  # fmt: skip


def rule(
    rule_id: str,
    roles: list[str],
    match: str,
    path: str,
    *,
    deny: bool = False,
    locales: list[str] = (),
) -> dict[str, Any]:
    """A page rule as Wiki.js 2 keeps it in ``groups.pageRules``."""
    return {"id": rule_id, "roles": list(roles), "match": match, "deny": deny, "path": path,
            "locales": list(locales)}  # fmt: skip


def slug(text: str) -> str:
    return "-".join(text.lower().split())


def render_of(title: str, content: str) -> str:
    """A rendering shaped like Wiki.js 2's (headings with anchors, paragraphs)."""
    body = "".join(
        f"<p>{line}</p>" for line in content.splitlines() if line and not line.startswith("#")
    )
    return (
        f'<h1 class="toc-header" id="{slug(title)}"><a href="#{slug(title)}" '
        f'class="toc-anchor">¶</a> {title}</h1>{body}'
    )


def _kinds(table: str) -> dict[str, str]:
    return {name: kind for name, kind, _ in _columns_of(table)}


def _columns_of(table: str) -> list[tuple[str, str, str]]:
    for name, columns in TABLES:
        if name == table:
            return columns
    return MIGRATION_TABLES[table]
