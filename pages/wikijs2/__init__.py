"""Importing a Wiki.js 2 installation (``manage.py import_wikijs2``).

``source`` reads the Wiki.js 2 database (read-only), ``schema`` tells which Wiki.js it is,
``base`` holds what the steps share (the run's context, its findings, the legacy id ledger),
``accounts_kinds`` and ``page_kinds`` import one kind each, and ``run`` drives them.
"""
