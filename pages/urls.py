"""The wiki in a browser: its addresses (included last by wiki/urls.py).

Order matters: the single-letter prefixes and ``_``-routes first, then ``/<locale>/<path>``
and ``/<path>``, which take everything else. Page paths cannot start with those prefixes
(API.md §4.1.1), so no page can hide them.
"""

from django.urls import path

from . import history_views

urlpatterns: list = [
    # History, source and download (pages/history_views.py).
    path("h/<path:target>", history_views.page_history, name="page-history"),
    path("s/<path:target>", history_views.page_source, name="page-source"),
    path("d/<path:target>", history_views.page_download, name="page-download"),
]
