"""The ``operation`` response of every mutation (API.md §2.1, §2.3) and the mutation base."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

import graphene

from wiki.db_unavailable import is_database_unavailable
from wiki.errors import DomainError, ErrorKey
from wiki.rate_limits import RateLimited
from wiki.text import holds_unstorable_text

from .deadline import is_statement_timeout
from .errors import UNEXPECTED_MESSAGE, log_unexpected

logger = logging.getLogger("api")


class Operation(graphene.ObjectType):
    succeeded = graphene.Boolean(description="Whether the mutation did what was asked.")
    slug = graphene.String(description='"ok" on success, else the error key.')
    message = graphene.String(description="On failure exactly one error key; on success free text.")


class DefaultResponse(graphene.ObjectType):
    """The response of a mutation that returns nothing but its outcome."""

    operation = graphene.Field(Operation, description="The outcome.")


def succeeded(message: str) -> Operation:
    return Operation(succeeded=True, slug="ok", message=message)


def failed(key: ErrorKey) -> Operation:
    return Operation(succeeded=False, slug=key.value, message=key.value)


@dataclass
class Outcome:
    """What a mutation's ``perform`` returns: payload fields, and maybe a late failure.

    ``failure`` with a payload is for the rare contract cases where the change stands but a
    follow-up failed (``createUser`` whose welcome mail could not be sent).
    """

    payload: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    failure: ErrorKey | None = None


class WikiMutation(graphene.Mutation):
    """Base of every mutation: ``perform`` calls one service; errors map here, once."""

    class Meta:
        abstract = True

    operation = graphene.Field(Operation, description="The outcome.")
    success_message: ClassVar[str] = "Operation succeeded."

    @classmethod
    def perform(cls, root, info: graphene.ResolveInfo, **arguments) -> Outcome:
        raise NotImplementedError

    @classmethod
    def mutate(cls, root, info: graphene.ResolveInfo, **arguments):
        # The mutation class itself, or a shared type such as DefaultResponse (Meta.output).
        output = cls._meta.output
        if holds_unstorable_text(arguments):
            return output(operation=failed(ErrorKey.INVALID_INPUT))
        try:
            outcome = cls.perform(root, info, **arguments)
        except DomainError as error:
            logger.info("%s refused: %s", cls.__name__, error)
            return output(operation=failed(error.key))
        except RateLimited:
            # The one business refusal reported in errors[] rather than operation (§1.5):
            # the field's data is null, and api.core.errors writes the error.
            raise
        except Exception as error:
            if is_statement_timeout(error):
                raise  # a clear DEADLINE_EXCEEDED in errors[] (execution.py), not a slug
            if is_database_unavailable(error):
                # The database is away: HTTP 503 for the whole request (api.core.errors and
                # wiki.db_unavailable), not a failed operation; the change may not have happened.
                raise
            ref = log_unexpected(error)
            return output(
                operation=Operation(
                    succeeded=False,
                    slug=ErrorKey.UNEXPECTED.value,
                    message=UNEXPECTED_MESSAGE.format(ref=ref),
                )
            )
        operation = (
            failed(outcome.failure)
            if outcome.failure
            else succeeded(outcome.message or cls.success_message)
        )
        return output(operation=operation, **outcome.payload)
