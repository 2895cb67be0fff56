"""Small helpers for reading parsed arguments."""

from enum import Enum
from typing import Any


def enum_value(value: Any) -> Any:
    """Graphene hands enum arguments over as members; services take plain values."""
    return value.value if isinstance(value, Enum) else value


def as_dict(value: Any) -> dict | None:
    """An input object as a plain dict (enum members turned into their values)."""
    if value is None:
        return None
    return {key: enum_value(item) for key, item in dict(value).items()}
