"""Who wrote what: counts of a user's pages (the Wiki.js 2 profile's ``pagesTotal``)."""

from __future__ import annotations

import uuid

from .models import Page


def created_page_count(user_id: uuid.UUID) -> int:
    """How many pages, on every site, ``user_id`` created (their ``creator``)."""
    return Page.objects.filter(creator_id=user_id).count()
