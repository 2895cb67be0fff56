"""``manage.py createsuperuser`` for wiki accounts.

Django's command, with the account rules of the API (email, name, password length) and a
user that joins Administrators and Users (``UserManager.create_superuser``); the first one
becomes the root administrator with Wiki.js 2 user id 1. Options and environment variables are
Django's: ``--email``, ``--name``, ``--noinput`` with ``DJANGO_SUPERUSER_PASSWORD``,
``DJANGO_SUPERUSER_EMAIL`` and ``DJANGO_SUPERUSER_NAME``.

``accounts`` is listed before ``django.contrib.auth`` in INSTALLED_APPS so this command wins.
"""

import os

from django.contrib.auth.management.commands import createsuperuser
from django.core import exceptions
from django.core.management.base import CommandError

from wiki.errors import DomainError

from ...validation import check_password_length, clean_email, clean_name

_MESSAGES = {
    "email": "Enter a valid email address (at most 255 characters).",
    "name": "The name must be 2 to 255 characters.",
    "password": "The password must be at least 8 characters.",
}


def _checked(what: str, check, value):
    """Run a domain rule; a failure becomes Django's ValidationError with a readable message."""
    try:
        result = check(value)
    except DomainError as error:
        raise exceptions.ValidationError(f"{_MESSAGES[what]} ({error.key.value})") from error
    return value if result is None else result


class Command(createsuperuser.Command):
    help = "Create a wiki administrator (member of Administrators and Users)."

    def handle(self, *args, **options):
        # Values given up front are checked before Django's flow (which would only apply the
        # model fields' own, looser validation in non-interactive mode).
        name = options.get("name")
        if name is None and not options["interactive"]:
            name = os.environ.get("DJANGO_SUPERUSER_NAME")
        password = None if options["interactive"] else os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        try:
            if name:
                options["name"] = _checked("name", clean_name, name)
            if password is not None:
                _checked("password", check_password_length, password)
        except exceptions.ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        return super().handle(*args, **options)

    def _validate_username(self, username, verbose_field_name, database):
        try:
            username = _checked("email", clean_email, username)
        except exceptions.ValidationError as error:
            return "Error: " + "; ".join(error.messages)
        return super()._validate_username(username, verbose_field_name, database)

    def get_input_data(self, field, message, default=None):
        value = super().get_input_data(field, message, default)
        if value is None or field.name != "name":
            return value  # the email is checked by _validate_username
        try:
            return _checked("name", clean_name, value)
        except exceptions.ValidationError as error:
            self.stderr.write("Error: " + "; ".join(error.messages))
            return None
