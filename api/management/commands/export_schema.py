"""Write a live GraphQL schema as SDL, or check that a committed copy matches it.

Two schemas, two files: ``schema.graphql`` for ``/_graphql`` (the default) and, with ``--v2``,
``schema-v2.graphql`` for the Wiki.js 2 dialect at ``/graphql`` (API-v2.md).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from api.schema import schema
from api.v2.schema import schema as v2_schema

V2_FILE = "schema-v2.graphql"


def schema_sdl() -> str:
    return str(schema).rstrip() + "\n"


def v2_schema_sdl() -> str:
    return str(v2_schema).rstrip() + "\n"


class Command(BaseCommand):
    help = (
        "Write schema.graphql from the live schema (--v2: schema-v2.graphql from the /graphql "
        "schema; --check: fail when it differs)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", help=f"default: schema.graphql, or {V2_FILE} with --v2"
        )
        parser.add_argument("--check", action="store_true", help="Compare instead of writing.")
        parser.add_argument(
            "--v2", action="store_true", help="The /graphql (Wiki.js 2) schema instead."
        )

    def handle(self, *args, path: str | None, check: bool, v2: bool, **options):
        target = Path(path or (V2_FILE if v2 else "schema.graphql"))
        live = v2_schema_sdl() if v2 else schema_sdl()
        if not check:
            target.write_text(live)
            self.stdout.write(f"wrote {target}")
            return
        if not target.is_file() or target.read_text() != live:
            raise CommandError(
                f"{target} differs from the live schema: run `make schema` and commit it."
            )
        self.stdout.write(f"{target} matches the live schema")
