"""Where the API answers (API.md §1.1): the one address every layer tests a request against."""

GRAPHQL_PATH = "/_graphql"


def is_graphql_path(path_info: str) -> bool:
    """The endpoint, or an address below it (``/_graphql/...``, which is answered in JSON too)."""
    return path_info == GRAPHQL_PATH or path_info.startswith(GRAPHQL_PATH + "/")
