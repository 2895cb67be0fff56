"""``manage.py rotatesecrets``: seal every stored secret again under the current SECRET_KEY.

After setting a new ``SECRET_KEY`` with the old one in ``SECRET_KEY_FALLBACKS``, run this once;
then the fallback can be removed (docs/operations.md). Running it again changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError

from wiki.secrets import SecretUnreadable

from ...secret_rotation import reseal_all
from ...tokens import forget_signing_keys


class Command(BaseCommand):
    help = "Seal the stored secrets (signing key, TOTP secrets, ...) under the current SECRET_KEY."

    def handle(self, *args, **options):
        try:
            results = reseal_all()
        except SecretUnreadable as error:
            raise CommandError(
                f"{error} Nothing sealed under an unknown key can be recovered; values already "
                "resealed keep their new form."
            ) from error
        forget_signing_keys()
        for name, count in results:
            self.stdout.write(f"{name}: {count} resealed")
        self.stdout.write(
            self.style.SUCCESS("All sealed secrets open with the current SECRET_KEY.")
        )
