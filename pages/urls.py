"""The wiki in a browser: its addresses (included last by wiki/urls.py).

Order matters: the single-letter prefixes and ``_``-routes first, then ``/<locale>/<path>``
and ``/<path>``, which take everything else. Page paths cannot start with those prefixes
(API.md §4.1.1), so no page can hide them.
"""

from django.urls import path

from . import discovery_views, edit_views, history_views, read_views, search_views

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
    path("e/<path:target>", edit_views.edit_page, name="page-edit"),
    # History, source and download (pages/history_views.py).
    path("h/<path:target>", history_views.page_history, name="page-history"),
    path("s/<path:target>", history_views.page_source, name="page-source"),
    path("d/<path:target>", history_views.page_download, name="page-download"),
    # --- Search, robots and sitemap. A page path holds no "." (API.md §4.1.1), so the two
    # files cannot collide with a page; "_search" is a server route by its underscore.
    path("_search", search_views.search_page, name="search"),
    path("robots.txt", discovery_views.robots_txt, name="robots-txt"),
    path("sitemap.xml", discovery_views.sitemap_xml, name="sitemap-xml"),
    # --- end of search, robots and sitemap
]

# LAST, after every other route of this file: a page at its address, /<path> or
# /<locale>/<path>. Routes added above this line stay reachable; below it, never.
urlpatterns.append(path("<path:target>", read_views.page_view, name="page"))
