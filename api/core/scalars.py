"""The contract's scalars (API.md §4.0): strict UUID, ISO-8601 Date, object-only JSON."""

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import graphene
from django.utils.dateparse import parse_datetime
from graphql import GraphQLError
from graphql.language import ast

_UUID_TEXT = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE
)
NIL_UUID = "00000000-0000-0000-0000-000000000000"


def parse_uuid_text(value: Any) -> uuid.UUID:
    if isinstance(value, str) and (_UUID_TEXT.match(value) or value == NIL_UUID):
        return uuid.UUID(value)
    raise GraphQLError(f"UUID cannot represent value: {value!r}")


class UUID(graphene.Scalar):
    """A UUID in text form (versions 1-5, RFC variant, or the nil UUID); output lowercase."""

    @staticmethod
    def serialize(value: Any) -> str:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))).lower()

    @staticmethod
    def parse_value(value: Any) -> uuid.UUID:
        return parse_uuid_text(value)

    @staticmethod
    def parse_literal(node: ast.ValueNode, _variables=None) -> uuid.UUID:
        if isinstance(node, ast.StringValueNode):
            return parse_uuid_text(node.value)
        raise GraphQLError("UUID must be a string.")


def format_date(value: datetime) -> str:
    """UTC with milliseconds and ``Z``: ``2024-05-01T12:00:00.000Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC).replace(tzinfo=None)
    # isoformat, not strftime: glibc's %Y does not pad years before 1000 to four digits.
    return value.isoformat(timespec="milliseconds") + "Z"


def parse_date_text(value: Any) -> datetime:
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("z", "Z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = parse_datetime(text)
        except ValueError:
            parsed = None
        if parsed is not None:
            parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            try:
                # An instant outside years 1-9999 in UTC (e.g. 0001-01-01T00:00+01:00) could
                # not be stored on SQLite, and PostgreSQL would store a row no one can read.
                return parsed.astimezone(UTC)
            except OverflowError:
                pass
    raise GraphQLError(f"Date cannot represent value: {value!r}")


class Date(graphene.Scalar):
    """An ISO-8601 date-time. Output in UTC with milliseconds; input offsets are honoured."""

    @staticmethod
    def serialize(value: Any) -> str:
        if isinstance(value, datetime):
            return format_date(value)
        return format_date(parse_date_text(value))

    @staticmethod
    def parse_value(value: Any) -> datetime:
        return parse_date_text(value)

    @staticmethod
    def parse_literal(node: ast.ValueNode, _variables=None) -> datetime:
        if isinstance(node, ast.StringValueNode):
            return parse_date_text(node.value)
        raise GraphQLError("Date must be a string.")


def _literal_to_python(node: ast.ValueNode, variables=None) -> Any:
    if isinstance(node, ast.ObjectValueNode):
        return {f.name.value: _literal_to_python(f.value, variables) for f in node.fields}
    if isinstance(node, ast.ListValueNode):
        return [_literal_to_python(v, variables) for v in node.values]
    if isinstance(node, ast.VariableNode):
        return (variables or {}).get(node.name.value)
    if isinstance(node, ast.IntValueNode):
        return int(node.value)
    if isinstance(node, ast.FloatValueNode):
        return float(node.value)
    if isinstance(node, ast.NullValueNode):
        return None
    return getattr(node, "value", None)


class JSON(graphene.Scalar):
    """A JSON object (despite the name): other JSON values are rejected."""

    @staticmethod
    def serialize(value: Any) -> Any:
        return value

    @staticmethod
    def parse_value(value: Any) -> dict:
        if isinstance(value, dict):
            return value
        raise GraphQLError("JSON must be an object.")

    @staticmethod
    def parse_literal(node: ast.ValueNode, variables=None) -> dict:
        if isinstance(node, ast.ObjectValueNode):
            return _literal_to_python(node, variables)
        raise GraphQLError("JSON must be an object.")
