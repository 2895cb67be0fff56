"""Indexes for every ordering and filter of ``pages`` (issue 6)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_initial"),
    ]

    operations = [
        # The single-column orderings become (column, id): the id breaks ties.
        migrations.RemoveIndex(model_name="page", name="page_title_idx"),
        migrations.RemoveIndex(model_name="page", name="page_created_idx"),
        migrations.RemoveIndex(model_name="page", name="page_updated_idx"),
        migrations.AddIndex(
            model_name="page",
            index=models.Index(fields=["title", "id"], name="page_title_id_idx"),
        ),
        migrations.AddIndex(
            model_name="page",
            index=models.Index(fields=["created_at", "id"], name="page_created_id_idx"),
        ),
        migrations.AddIndex(
            model_name="page",
            index=models.Index(fields=["updated_at", "id"], name="page_updated_id_idx"),
        ),
        migrations.AddIndex(
            model_name="page",
            index=models.Index(fields=["path", "id"], name="page_path_id_idx"),
        ),
        migrations.AddIndex(
            model_name="page",
            index=models.Index(fields=["locale", "id"], name="page_locale_id_idx"),
        ),
        migrations.AddIndex(
            model_name="page",
            index=models.Index(
                fields=["path"], name="page_path_like_idx", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="tag",
            index=models.Index(fields=["tag"], name="tag_tag_idx"),
        ),
    ]
