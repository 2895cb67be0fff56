"""Pages, queries and checks shared by the tests of /graphql's page writes (API-v2.md §3.2)."""

from __future__ import annotations

from accounts import tokens
from pages.models import Page
from tests.api.page_edit_support import make_page
from tests.conftest import GraphQLClient, GraphQLResponse

# wikijscmd (graphql_queries.create_page): literals inline, the rest as variables.
WIKIJSCMD_CREATE = (
    "mutation ($content: String!, $path: String!, $title: String!) {\npages {\ncreate(\n"
    'content: $content\ndescription: ""\neditor: "markdown"\nisPrivate: false\n'
    'isPublished: true\nlocale: "en"\npath: $path\npublishEndDate: ""\npublishStartDate: ""\n'
    'scriptCss: ""\nscriptJs: ""\ntags: []\ntitle: $title\n) {\nresponseResult {\nsucceeded\n'
    "errorCode\nslug\nmessage\n__typename\n}\npage {\nid\npath\ntitle\n__typename\n}\n"
    "__typename\n}\n__typename\n}\n}"
)

# wikijscmd (graphql_queries.edit_page): every argument, dates and scripts as "" literals.
WIKIJSCMD_UPDATE = (
    "mutation ($id: Int!, $content: String!, $path: String!, $title: String!){\npages {\n"
    'update(\nid: $id\ncontent: $content\ndescription: ""\neditor: "markdown"\n'
    'isPrivate: false\nisPublished: true\nlocale: "en"\npath: $path\npublishEndDate: ""\n'
    'publishStartDate: ""\nscriptCss: ""\nscriptJs: ""\ntags: []\ntitle: $title\n) {\n'
    "responseResult {\nsucceeded\nerrorCode\nslug\nmessage\n__typename\n}\npage {\nid\n"
    "path\ntitle\n__typename\n}\n__typename\n}\n__typename\n}\n}"
)

# wikijs-mcp-server: named operations with variables.
MCP_CREATE = """
mutation CreatePage(
    $path: String!, $title: String!, $content: String!, $description: String!,
    $editor: String!, $locale: String!, $tags: [String]!, $isPublished: Boolean!,
    $isPrivate: Boolean!
) {
    pages {
        create(
            path: $path, title: $title, content: $content, description: $description,
            editor: $editor, locale: $locale, tags: $tags, isPublished: $isPublished,
            isPrivate: $isPrivate
        ) {
            responseResult { succeeded errorCode slug message }
            page { id path title }
        }
    }
}
"""

MCP_UPDATE = """
mutation UpdatePage(
    $id: Int!, $content: String, $description: String, $editor: String,
    $isPrivate: Boolean, $isPublished: Boolean, $locale: String, $path: String,
    $tags: [String], $title: String
) {
    pages {
        update(
            id: $id, content: $content, description: $description, editor: $editor,
            isPrivate: $isPrivate, isPublished: $isPublished, locale: $locale, path: $path,
            tags: $tags, title: $title
        ) {
            responseResult { succeeded errorCode slug message }
            page { id path title }
        }
    }
}
"""

# terraform-provider-wikijs and wikijs-pyclient: all arguments as typed variables.
FULL_CREATE = """
mutation (
    $content: String!, $description: String!, $editor: String!, $isPublished: Boolean!,
    $isPrivate: Boolean!, $locale: String!, $path: String!, $publishEndDate: Date,
    $publishStartDate: Date, $scriptCss: String, $scriptJs: String, $tags: [String]!,
    $title: String!
) {
    pages {
        create(
            content: $content, description: $description, editor: $editor,
            isPublished: $isPublished, isPrivate: $isPrivate, locale: $locale, path: $path,
            publishEndDate: $publishEndDate, publishStartDate: $publishStartDate,
            scriptCss: $scriptCss, scriptJs: $scriptJs, tags: $tags, title: $title
        ) {
            responseResult { succeeded errorCode slug message }
            page { id path title locale }
        }
    }
}
"""

FULL_UPDATE = """
mutation (
    $id: Int!, $content: String, $description: String, $editor: String,
    $isPublished: Boolean, $isPrivate: Boolean, $locale: String, $path: String,
    $publishEndDate: Date, $publishStartDate: Date, $scriptCss: String, $scriptJs: String,
    $tags: [String], $title: String
) {
    pages {
        update(
            id: $id, content: $content, description: $description, editor: $editor,
            isPublished: $isPublished, isPrivate: $isPrivate, locale: $locale, path: $path,
            publishEndDate: $publishEndDate, publishStartDate: $publishStartDate,
            scriptCss: $scriptCss, scriptJs: $scriptJs, tags: $tags, title: $title
        ) {
            responseResult { succeeded errorCode slug message }
            page { id path title locale }
        }
    }
}
"""

# What /_graphql shows of a page after a v2 write.
PAGE_BY_ID = """
query ($id: UUID!) {
    pageById(id: $id) {
        locale path title description content contentType editor render tags
        publishState publishStartDate publishEndDate scriptCss scriptJsLoad
        author { id } creator { id }
    }
}
"""

FULL_ARGUMENTS = {
    "content": "# Setup\n\nRun it.",
    "description": "How to set up",
    "editor": "markdown",
    "isPublished": True,
    "isPrivate": False,
    "locale": "en",
    "path": "docs/setup",
    "publishEndDate": "",
    "publishStartDate": "",
    "scriptCss": "",
    "scriptJs": "",
    "tags": ["guide", "setup"],
    "title": "Setup",
}


def result(r: GraphQLResponse, operation: str) -> dict:
    """``data.pages.<operation>`` of an answer without GraphQL errors."""
    assert r.status == 200, r.body
    assert "errors" not in r.body, r.body
    return r.data["pages"][operation]


def status(r: GraphQLResponse, operation: str) -> tuple:
    """``(succeeded, errorCode, slug, message)`` of the operation's ``responseResult``."""
    outcome = result(r, operation)["responseResult"]
    return (outcome["succeeded"], outcome["errorCode"], outcome["slug"], outcome["message"])


def refused(error_class_or_message, message: str | None = None) -> tuple:
    """The ``responseResult`` of a failure (§2.3): a class, or a plain message."""
    if isinstance(error_class_or_message, str):
        return (False, 1, "Error", error_class_or_message)
    what = error_class_or_message
    return (False, what.code, what.name, message or what.message)


def on_graphql(admin) -> dict:
    """A function reading a page through /_graphql as the administrator."""
    client = GraphQLClient(tokens.issue_session_token(admin))

    def read(page_id) -> dict | None:
        r = client(PAGE_BY_ID, {"id": str(page_id)})
        assert r.errors == [], r.body
        return r.data["pageById"]

    return read


def page_by_legacy_id(legacy_id: int) -> Page:
    return Page.objects.get(legacy_id=legacy_id)


__all__ = ["make_page"]
