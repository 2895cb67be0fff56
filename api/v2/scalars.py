"""The ``Date`` scalar of the v2 dialect (API-v2.md §4.1).

Output: UTC ISO-8601 with milliseconds and ``Z``, or the text as given (``""`` for an unset
publish date). Input: any string, unparsed, so that ``""`` ("not set") and values the operation
refuses with ``InputInvalid`` reach the operation (Wiki.js 2 never fails such a value in
validation); anything but a string fails validation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import graphene
from django.utils.dateparse import parse_date, parse_datetime
from graphql import GraphQLError
from graphql.language import ast

from ..core.scalars import format_date
from .dialect import INPUT_INVALID, V2Error


class Date(graphene.Scalar):
    """A date-time as text: ``2024-05-01T12:00:00.000Z``; ``""`` when unset."""

    @staticmethod
    def serialize(value: Any) -> str:
        if isinstance(value, datetime):
            return format_date(value)
        return "" if value is None else str(value)

    @staticmethod
    def parse_value(value: Any) -> str:
        if isinstance(value, str):
            return value
        raise GraphQLError(f"Date cannot represent a non-string value: {value!r}")

    @staticmethod
    def parse_literal(node: ast.ValueNode, _variables=None) -> str:
        if isinstance(node, ast.StringValueNode):
            return node.value
        raise GraphQLError("Date must be a string.")


def parse_date_argument(text: str | None) -> datetime | None:
    """A ``Date`` argument's value: None for ``""``; ``InputInvalid`` when it is no date-time.

    ISO-8601 with its offset honoured (``Z`` or none = UTC); a date alone means midnight UTC.
    """
    if text is None:
        return None
    stripped = text.strip()
    if not stripped:
        return None
    candidate = stripped[:-1] + "+00:00" if stripped.endswith(("z", "Z")) else stripped
    try:
        parsed = parse_datetime(candidate)
        if parsed is None:
            day = parse_date(candidate)
            if day is not None:
                parsed = datetime(day.year, day.month, day.day, tzinfo=UTC)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise V2Error(INPUT_INVALID)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
