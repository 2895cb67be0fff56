"""Write the live GraphQL schema as SDL, or check that a committed copy matches it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from api.schema import schema


def schema_sdl() -> str:
    return str(schema).rstrip() + "\n"


class Command(BaseCommand):
    help = "Write schema.graphql from the live schema (--check: fail when it differs)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="schema.graphql")
        parser.add_argument("--check", action="store_true", help="Compare instead of writing.")

    def handle(self, *args, path: str, check: bool, **options):
        target = Path(path)
        live = schema_sdl()
        if not check:
            target.write_text(live)
            self.stdout.write(f"wrote {target}")
            return
        if not target.is_file() or target.read_text() != live:
            raise CommandError(
                f"{target} differs from the live schema: run `make schema` and commit it."
            )
        self.stdout.write(f"{target} matches the live schema")
