"""Wiki.js 2's permission gates (API-v2.md §2.5).

An operation or an object field lists global scopes; the caller must hold one of them, else the
field fails with the plain GraphQL error ``Forbidden``, guests included. The services then run
for a caller that has passed the gate (``Caller.past_gate``): the gate replaces their own
global-scope check, and every other check (page rules, publish visibility, protected targets,
elevation, identity) stays theirs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from accounts import scopes
from accounts.permissions import Caller

from ..core.context import get_caller
from .dialect import GateRefused

SYSTEM = scopes.MANAGE_SYSTEM


def gate(info, *wanted: str) -> Caller:
    """The request's caller past the gate ``wanted``; raises ``GateRefused`` otherwise."""
    caller = get_caller(info)
    if not caller.has_any(*wanted):
        raise GateRefused()
    return caller.past_gate()


def gated(*wanted: str) -> Callable:
    """An object field's resolver behind the gate ``wanted`` (§4: checked when selected)."""

    def decorate(resolve: Callable) -> Callable:
        @functools.wraps(resolve)
        def wrapper(root, info, **arguments):
            gate(info, *wanted)
            return resolve(root, info, **arguments)

        return wrapper

    return decorate
