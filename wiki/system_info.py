"""What the server says about itself (API-v2.md §4.6 ``SystemInfo``): its version and database.

Deliberately little: hosts, paths, ports and versions of the platform underneath are not
disclosed, even to administrators.
"""

from django.db import connection

# The release of this server; tests/test_system_info.py keeps it equal to pyproject.toml's.
SERVER_VERSION = "0.1.0"


def database_product() -> str:
    """The database product's name, e.g. ``PostgreSQL`` or ``SQLite``."""
    return connection.display_name
