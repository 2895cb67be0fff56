"""Index definitions that read the same on SQLite and PostgreSQL."""

from django.db import models
from django.db.models.expressions import OrderBy


class NullsOrderIndex(models.Index):
    """An index on ordered expressions such as ``F("last_login").asc(nulls_first=True)``.

    PostgreSQL uses an index for ``ORDER BY ... NULLS FIRST`` only when the index says
    ``NULLS FIRST`` too. SQLite cannot say it in ``CREATE INDEX`` at all, and needs not:
    it sorts NULL first ascending (and last descending) anyway. So on SQLite the modifiers
    are left out.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "sqlite":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        plain = models.Index(
            *[_without_nulls_order(expression) for expression in self.expressions],
            name=self.name,
            db_tablespace=self.db_tablespace,
            condition=self.condition,
        )
        return plain.create_sql(model, schema_editor, using=using, **kwargs)


def _without_nulls_order(expression):
    if isinstance(expression, OrderBy):
        return OrderBy(expression.expression, descending=expression.descending)
    return expression
