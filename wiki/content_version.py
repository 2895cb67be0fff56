"""The content version: the summed weight of ``wiki.models.ContentChange``.

Whatever a process keeps about what page views show (``pages.view_cache``) is tagged with the
version it was read under. The version is read before (or with) the rows, and every commit that
changes them raises it, so a kept view is at least as new as its version, and a later write
gives a version never seen before (the sum only grows).
"""

from django.db.models import BigIntegerField, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import ContentChange


def version_subquery() -> Coalesce:
    """The content version as an expression: annotate the caller's own row with it. The triggers
    keep the table to a few hundred rows (pages migration 0007), so the sum stays cheap."""
    total = (
        ContentChange.objects.annotate(whole=Value(1))
        .values("whole")
        .annotate(total=Sum("weight"))
        .values("total")
    )
    return Coalesce(Subquery(total[:1]), Value(0), output_field=BigIntegerField())
