"""What the page mutations of the v2 dialect share (API-v2.md §3.2, §5.4, §2.8).

The adapter converts some arguments itself (publish flag and ``Date`` strings, §5.4). Their
failures are "other validation" in Wiki.js 2's order, which must not pre-empt the domain's
earlier checks (permission, duplicate path, blank content): they are *deferred* and reported
only once the service has found nothing earlier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from pages import validation as v
from pages.models import Page, PublishState
from wiki.errors import DomainError

from .dialect import PAGE_EMPTY_CONTENT, PAGE_GENERIC, PAGE_ILLEGAL_PATH, V2Error, from_domain
from .publishing import V2Publishing
from .scalars import parse_date_argument

# Characters Wiki.js 2 refuses in a path before anything else (§3.2, "Pre-check").
ILLEGAL_IN_PATH = (".", " ", "\\", "//")

# The publishing a write is tried with while a conversion failure waits (``in_domain_order``).
NEUTRAL_PUBLISHING = (PublishState.DRAFT.value, None, None)

PUBLISHING_ARGUMENTS = ("is_published", "publish_start_date", "publish_end_date")


def precheck_path(path: str) -> None:
    """Wiki.js 2's pre-check of a path argument: ``PageIllegalPath``."""
    if any(bad in path for bad in ILLEGAL_IN_PATH):
        raise V2Error(PAGE_ILLEGAL_PATH)


@contextmanager
def rendered(overrides: Mapping) -> Iterator[None]:
    """Domain failures of the block as the operation renders them (§2.6, §2.8).

    Blank content is ``ERR_INVALID_INPUT`` in the domain and ``PageEmptyContent`` here; the
    error's ``check`` tells it from the other invalid inputs.
    """
    try:
        yield
    except DomainError as error:
        raise from_domain(
            error, PAGE_GENERIC, {v.CONTENT_CHECK: PAGE_EMPTY_CONTENT, **overrides}
        ) from None


@dataclass(frozen=True)
class Deferred:
    """A converted value, or the failure of its conversion, to be reported in turn."""

    value: Any = None
    failure: V2Error | None = None


def deferred(convert: Callable[[], Any]) -> Deferred:
    try:
        return Deferred(value=convert())
    except V2Error as failure:
        return Deferred(failure=failure)


def in_domain_order(publishing: Deferred, write: Callable[[Any], Any]) -> Any:
    """``write(publishing.value)``; when the conversion failed, the write is tried with a
    neutral publishing and undone, so that a check the service makes first wins (§2.8)."""
    if publishing.failure is None:
        return write(publishing.value)
    with transaction.atomic():
        write(NEUTRAL_PUBLISHING)
        raise publishing.failure


def new_publishing(is_published: bool, start: str | None, end: str | None) -> tuple:
    """The stored ``(publishState, start, end)`` of a new page; absent dates are unset."""
    view = V2Publishing(is_published, parse_date_argument(start), parse_date_argument(end))
    return view.stored()


def updated_publishing(page: Page, given: Mapping[str, Any]) -> Deferred | None:
    """The given publishing arguments merged over the page's v2 view (§5.4); None when the
    update gives none of them (the stored state is then left exactly as it is)."""
    if all(given.get(name) is None for name in PUBLISHING_ARGUMENTS):
        return None

    def merge() -> tuple:
        current = V2Publishing.of(
            page.publish_state, page.publish_start_date, page.publish_end_date
        )
        flag, start, end = (given.get(name) for name in PUBLISHING_ARGUMENTS)
        view = V2Publishing(
            is_published=current.is_published if flag is None else flag,
            start=current.start if start is None else parse_date_argument(start),
            end=current.end if end is None else parse_date_argument(end),
        )
        return view.stored()

    return deferred(merge)
