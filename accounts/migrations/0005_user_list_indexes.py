"""Indexes for every ordering of ``users`` (issue 6)."""

from django.db import migrations, models

import wiki.indexes


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_access_version"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(fields=["name", "id"], name="user_name_id_idx"),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(fields=["created_at", "id"], name="user_created_id_idx"),
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(fields=["updated_at", "id"], name="user_updated_id_idx"),
        ),
        migrations.AddIndex(
            model_name="user",
            index=wiki.indexes.NullsOrderIndex(
                models.OrderBy(models.F("last_login"), nulls_first=True),
                models.OrderBy(models.F("id")),
                name="user_last_login_id_idx",
            ),
        ),
    ]
