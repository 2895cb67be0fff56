"""Aim generated arguments at real data, by argument name.

hypothesis-graphql fills a ``UUID`` or ``String`` argument without knowing what it names, so a
``siteId`` holds a user's id and a ``path`` random text: the services refuse those at their
first check, and everything behind it goes untried. After generation, each argument whose name
says what it is (``siteId``, ``pageId``, ``path``, ``email`` ...) is, more often than not,
replaced by a value of that kind from the seeded world; the rest stays as generated, so the
wrong-kind and hostile values are still sent too.
"""

from __future__ import annotations

import graphql
from hypothesis import strategies as st

from accounts import scopes

from .values import HOSTILE_TEXT, value_node
from .world import World

SITE, USER, GROUP, PAGE, VERSION, FOLDER, KEY, STRATEGY = (
    "wiki.Site",
    "accounts.User",
    "accounts.Group",
    "pages.Page",
    "pages.PageHistory",
    "pages.TreeItem",
    "accounts.ApiKey",
    "accounts.AuthStrategy",
)
ID_ARGUMENTS = {
    "siteId": SITE,
    "sendWelcomeEmailFromSiteId": SITE,
    "sites": SITE,
    "pageId": PAGE,
    "versionId": VERSION,
    "userId": USER,
    "replaceId": USER,
    "creatorId": USER,
    "authorId": USER,
    "groupId": GROUP,
    "groups": GROUP,
    "folderId": FOLDER,
    "parentId": FOLDER,
    "targetParentId": FOLDER,
    "strategyId": STRATEGY,
}
# What ``id`` names, by root field.
ID_OF_FIELD = {
    **dict.fromkeys(
        ("pageById", "pageHistoryById", "updatePage", "deletePage", "movePage", "rerenderPage"),
        PAGE,
    ),
    **dict.fromkeys(
        (
            "userById",
            "updateUser",
            "deleteUser",
            "verifyUser",
            "activateUser",
            "deactivateUser",
            "enableUserTFA",
            "disableUserTFA",
            "changeUserPassword",
        ),
        USER,
    ),
    **dict.fromkeys(("groupById", "updateGroup", "deleteGroup"), GROUP),
    "folderById": FOLDER,
    "siteById": SITE,
    "revokeApiKey": KEY,
}
PERMISSIONS = sorted(
    value for name, value in vars(scopes).items() if name.isupper() and isinstance(value, str)
)


def _text_arguments(world: World) -> dict[str, st.SearchStrategy]:
    paths = st.one_of(
        st.sampled_from(world.paths),
        st.sampled_from(world.paths).map(lambda path: f"{path}/fuzz-child"),
        st.from_regex(r"\A[a-z][a-z0-9-]{1,12}(/[a-z0-9-]{1,12}){0,2}\Z"),
    )
    names = st.from_regex(r"\A[a-z][a-z0-9-]{1,20}\Z")
    emails = st.one_of(
        st.sampled_from(world.emails), names.map(lambda name: f"{name}@fuzz.example.com")
    )
    return {
        "path": paths,
        "destinationPath": paths,
        "parentPath": paths,
        "pathName": names,
        "targetPathName": names,
        "locale": st.sampled_from(("en", "fr", "en", "pt-br")),
        "destinationLocale": st.sampled_from(("en", "fr")),
        "queryLocale": st.sampled_from(("en", "fr")),
        "email": emails,
        "username": emails,
        "recipientEmail": emails,
        "senderEmail": emails,
        "tags": st.sampled_from(world.tags),
        "editor": st.sampled_from(("markdown", "wysiwyg", "markdown", "asciidoc", "code")),
        "expiration": st.sampled_from(("30d", "90d", "1y", "3y", "0d", "99999y")),
        "password": st.sampled_from(("Password123", "wrong password")),
        "currentPassword": st.sampled_from(("Password123", "wrong password")),
        "newPassword": st.sampled_from(("A-new-password-1", "short", "x" * 300)),
        "passwordRaw": st.sampled_from(("Password123", "A-new-password-1")),
        "providerKey": st.just("local"),
        "hostname": st.sampled_from(("*", "localhost", "wiki.example.com")),
        "permissions": st.sampled_from(PERMISSIONS),
        "roles": st.sampled_from(PERMISSIONS),
        "timezone": st.sampled_from(("UTC", "Europe/Paris", "America/New_York", "Mars/Base")),
        "dateFormat": st.sampled_from(("YYYY-MM-DD", "DD/MM/YYYY", "")),
        "timeFormat": st.sampled_from(("12h", "24h")),
        "name": st.one_of(names, st.sampled_from(HOSTILE_TEXT)),
        "title": st.one_of(names, st.sampled_from(HOSTILE_TEXT)),
        "content": st.sampled_from(
            (
                "# Title\n\nText with [a link](/home), `code` and a ![picture](/x.png).",
                "<script>alert(1)</script><img src=x onerror=alert(1)>",
                "```mermaid\ngraph TD; A-->B\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |",
                "[[docs/install]] {.class} $$x^2$$ :smile: ==mark==",
                "#" * 100 + "\n" + "> " * 500 + "deep",
                "- " * 2000 + "nested",
                "x" * 200_000,
                "<div>" * 600 + "<section/>" * 600,  # deeper than pages.rendering takes
            )
        ),
    }


def _replacement(kind: str | str, world: World, text: dict) -> st.SearchStrategy[str] | None:
    if kind in text:
        return text[kind]
    ids = world.ids_by_model.get(kind)
    return st.sampled_from(ids) if ids else None


def aim(document: graphql.DocumentNode, draw, world: World) -> None:
    """Replace, in place and for about two arguments in three, named arguments' values."""
    text = _text_arguments(world)

    def kind_of(name: str, field: str) -> str | None:
        if name == "id":
            return ID_OF_FIELD.get(field)
        return ID_ARGUMENTS.get(name) or (name if name in text else None)

    def visit(nodes, field: str) -> None:
        for node in nodes:
            kind = kind_of(node.name.value, field)
            value = node.value
            if isinstance(value, graphql.ObjectValueNode):
                visit(value.fields, field)
                continue
            if isinstance(value, graphql.ListValueNode):
                for item in value.values:
                    if isinstance(item, graphql.ObjectValueNode):
                        visit(item.fields, field)
            if kind is None or not draw(st.integers(0, 2)):
                continue
            strategy = _replacement(kind, world, text)
            if strategy is None:
                continue
            if isinstance(value, graphql.ListValueNode):
                node.value = value_node(draw(st.lists(strategy, min_size=1, max_size=3)))
            elif isinstance(value, graphql.StringValueNode):
                node.value = value_node(draw(strategy))

    for definition in document.definitions:
        for selection in definition.selection_set.selections:
            visit(selection.arguments or (), selection.name.value)


def as_variables(document: graphql.DocumentNode, root: graphql.GraphQLObjectType) -> dict:
    """Move every root argument's literal into a variable, in place; the variables' values.

    Values sent as variables take another road through graphql-core and the scalars
    (``parse_value`` instead of ``parse_literal``), so both are fuzzed.
    """
    variables: dict = {}
    for definition in document.definitions:
        definitions = []
        for number, selection in enumerate(definition.selection_set.selections):
            field = root.fields[selection.name.value]
            arguments = []
            for argument in selection.arguments or ():
                name = f"{argument.name.value}{number}"
                variables[name] = graphql.value_from_ast_untyped(argument.value)
                definitions.append(
                    graphql.VariableDefinitionNode(
                        variable=graphql.VariableNode(name=graphql.NameNode(value=name)),
                        type=graphql.parse_type(str(field.args[argument.name.value].type)),
                    )
                )
                arguments.append(
                    graphql.ArgumentNode(
                        name=argument.name,
                        value=graphql.VariableNode(name=graphql.NameNode(value=name)),
                    )
                )
            selection.arguments = tuple(arguments)
        definition.variable_definitions = tuple(definitions)
    return variables
