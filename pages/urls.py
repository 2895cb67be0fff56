"""The wiki in a browser: its addresses (included last by wiki/urls.py).

Order matters: the single-letter prefixes and ``_``-routes first, then ``/<locale>/<path>``
and ``/<path>``, which take everything else. Page paths cannot start with those prefixes
(API.md §4.1.1), so no page can hide them.
"""

from django.urls import path

from . import read_views

urlpatterns: list = [
    # --- Reading pages (pages/read_views.py)
    path("", read_views.home, name="home"),
    path("i/<str:ref>", read_views.by_id, name="page-by-id"),
    path("t", read_views.tags_index, name="tags"),
    path("t/", read_views.tags_index),
    path("t/<str:tag>", read_views.tag_pages, name="tag-pages"),
    path("_page-style/<uuid:page_id>.css", read_views.page_style, name="page-style"),
    path("_page-script/<uuid:page_id>.js", read_views.page_script, name="page-script"),
    # --- end of reading routes
]

# LAST, after every other route of this file: a page at its address, /<path> or
# /<locale>/<path>. Routes added above this line stay reachable; below it, never.
urlpatterns.append(path("<path:target>", read_views.page_view, name="page"))
