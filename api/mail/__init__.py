"""GraphQL of the wiki's mail: settings and the test mail (API.md §4.6)."""
