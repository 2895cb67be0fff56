"""Where the APIs answer: the addresses every layer tests a request against.

Two GraphQL endpoints share one application: ``/_graphql`` (API.md §1.1) and the Wiki.js 2
dialect at ``/graphql`` (API-v2.md §1.1). Each answers in JSON, and so does everything below
it (``/_graphql/...``, ``/graphql/...``: a JSON 404), whatever layer answers: the view,
``handler400``, ``handler500``, the 503 of a database away.
"""

GRAPHQL_PATH = "/_graphql"
#: The Wiki.js 2 compatible endpoint (API-v2.md). "graphql" is a reserved first path segment of
#: pages (pages.validation.RESERVED_PATH_WORDS), so nothing below it is a page.
V2_GRAPHQL_PATH = "/graphql"
API_PATHS = (GRAPHQL_PATH, V2_GRAPHQL_PATH)


def is_graphql_path(path_info: str) -> bool:
    """``/_graphql``, or an address below it (``/_graphql/...``, which is answered in JSON too)."""
    return path_info == GRAPHQL_PATH or path_info.startswith(GRAPHQL_PATH + "/")


def is_v2_path(path_info: str) -> bool:
    """``/graphql``, or an address below it."""
    return path_info == V2_GRAPHQL_PATH or path_info.startswith(V2_GRAPHQL_PATH + "/")


def is_api_endpoint(path_info: str) -> bool:
    """One of the two endpoints themselves (not an address below one)."""
    return path_info in API_PATHS


def is_api_path(path_info: str) -> bool:
    """Either endpoint, or an address below one: every answer there is JSON."""
    return is_graphql_path(path_info) or is_v2_path(path_info)


def endpoint_of(path_info: str) -> str:
    """The endpoint whose address ``path_info`` is or lies below (``/_graphql`` otherwise)."""
    return V2_GRAPHQL_PATH if is_v2_path(path_info) else GRAPHQL_PATH
