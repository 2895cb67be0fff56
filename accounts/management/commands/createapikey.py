"""``manage.py createapikey``: issue an API key from the command line and switch API access on.

    manage.py createapikey --name "CI" --groups Administrators [--groups <uuid>] [--expiration 30d]

The key is printed alone on the last line of standard output, so scripts can take it with
``tail -n 1``. It is shown only this once: the database keeps a digest, never the key.
"""

import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from wiki.errors import DomainError

from ...apikeys import EXPIRATION_CHOICES, create_api_key, set_api_state
from ...models import Group

DEFAULT_EXPIRATION = "30d"


def resolve_group(reference: str) -> Group:
    """A group by UUID, or by name (exact first, then ignoring case); ambiguity is an error."""
    reference = reference.strip()
    if not reference:
        raise CommandError("A --groups value is empty.")
    try:
        group_id = uuid.UUID(reference)
    except ValueError:
        group_id = None
    if group_id is not None:
        group = Group.objects.filter(pk=group_id).first()
        if group is None:
            raise CommandError(f"Unknown group: no group has the id {group_id}.")
        return group
    for lookup in ("name", "name__iexact"):
        matches = list(Group.objects.filter(**{lookup: reference}).order_by("created_at"))
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            ids = ", ".join(str(group.pk) for group in matches)
            raise CommandError(
                f'Ambiguous group name "{reference}": it names {len(matches)} groups '
                f"({ids}). Pass the group's id instead."
            )
    raise CommandError(f'Unknown group: no group is named "{reference}".')


class Command(BaseCommand):
    help = (
        "Create an API key carrying the permissions of the given groups, switch API access "
        "on, and print the key on the last line of output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="A label for the key.")
        parser.add_argument(
            "--groups",
            action="append",
            required=True,
            metavar="GROUP",
            help="Group name or id whose permissions the key carries (repeat for several).",
        )
        parser.add_argument(
            "--expiration",
            default=DEFAULT_EXPIRATION,
            help=(
                "Lifetime as <number><unit>, unit one of ms, s, m, h, d, w, y "
                f"(default {DEFAULT_EXPIRATION}; the admin offers {', '.join(EXPIRATION_CHOICES)})."
            ),
        )

    def handle(self, *args, **options):
        groups = list({g.pk: g for g in map(resolve_group, options["groups"])}.values())
        try:
            with transaction.atomic():
                issued = create_api_key(
                    None,
                    name=options["name"],
                    expiration=options["expiration"],
                    group_ids=[group.pk for group in groups],
                )
                set_api_state(None, True)
        except DomainError as error:
            raise CommandError(self._explain(error, options)) from error
        api_key = issued.api_key
        self.stdout.write(
            f'Created API key "{api_key.name}" ({api_key.key_short}) for '
            f"{', '.join(group.name for group in groups)}, "
            f"expiring {api_key.expiration.isoformat()}. API access is on."
        )
        self.stdout.write("Keep the key below; it cannot be shown again:")
        self.stdout.write(issued.token)

    @staticmethod
    def _explain(error: DomainError, options) -> str:
        detail = error.detail or ""
        if "expiration" in detail:
            return (
                f"Bad --expiration {options['expiration']!r}: use <number><unit> with unit ms, "
                f"s, m, h, d, w or y, between 1 second and 100 years, e.g. 30d or 1y "
                f"({error.key.value})."
            )
        if "name" in detail:
            return f'Bad --name: 1 to 255 characters without <, > or " ({error.key.value}).'
        return f"Cannot create the key: {detail or error.key.value} ({error.key.value})."
