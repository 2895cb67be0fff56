"""The wiki in a browser: its addresses (included last by wiki/urls.py).

Order matters: the single-letter prefixes and ``_``-routes first, then ``/<locale>/<path>``
and ``/<path>``, which take everything else. Page paths cannot start with those prefixes
(API.md §4.1.1), so no page can hide them.
"""

from django.urls import path

from . import edit_views

urlpatterns: list = [
    path("e/<path:target>", edit_views.edit_page, name="page-edit"),
]
