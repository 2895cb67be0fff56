"""The GraphQL operation a request ran, as its log line names it (``wiki.request_log``)."""

from __future__ import annotations

import re

from django.http import HttpRequest
from graphql.language import DocumentNode, FieldNode, OperationDefinitionNode

# A GraphQL Name, bounded: ``operationName`` comes from the client as any JSON string.
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_ROOT_FIELDS_SHOWN = 3


def record_operation(
    request: HttpRequest, document: DocumentNode | None, operation_name: str | None
) -> None:
    """Keep the operation's name on ``request`` for the request line."""
    request.graphql_operation = operation_label(document, operation_name)


def operation_label(document: DocumentNode | None, operation_name: str | None) -> str | None:
    """``operationName`` when given; else the document's one operation's name; else, for an
    anonymous operation, its type and first root fields (``query{pageById}``), which is what
    most integrations send."""
    if operation_name:
        return operation_name if _OPERATION_NAME.fullmatch(operation_name) else "(not a name)"
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        return None
    (operation,) = operations
    if operation.name is not None:
        return operation.name.value[:64]
    fields = [s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    shown = ",".join(fields[:_ROOT_FIELDS_SHOWN]) + (
        ",..." if len(fields) > _ROOT_FIELDS_SHOWN else ""
    )
    return f"{operation.operation.value}{{{shown}}}"
