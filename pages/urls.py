"""The wiki in a browser: its addresses (included last by wiki/urls.py).

Order matters: the single-letter prefixes and ``_``-routes first, then ``/<locale>/<path>``
and ``/<path>``, which take everything else. Page paths cannot start with those prefixes
(API.md §4.1.1), so no page can hide them.
"""

from django.urls import path

from . import discovery_views, edit_views, history_views, search_views

urlpatterns: list = [
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
