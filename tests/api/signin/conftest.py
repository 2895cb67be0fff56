"""The rate limits are recorded here rather than counted: every test sees its own calls.

Counting itself is the rate-limit module's business; these tests check that each service
reports its attempts with the right field, address and account. ``test_rate_limits.py``
overrides ``rate_hits`` and counts for real through the services.
"""

import pytest

from wiki import rate_limits


@pytest.fixture(autouse=True)
def rate_hits(monkeypatch) -> list[tuple[str, str, str | None]]:
    hits: list[tuple[str, str, str | None]] = []

    def record(field_name: str, *, client_address: str, account: str | None = None) -> None:
        hits.append((field_name, client_address, account))

    monkeypatch.setattr(rate_limits, "hit", record)
    return hits
