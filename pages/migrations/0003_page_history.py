"""Page history versions (API.md §5, issue 7)."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import pages.models


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0002_list_indexes"),
        ("wiki", "0002_installation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PageHistory",
            fields=[
                (
                    "legacy_id",
                    models.PositiveBigIntegerField(editable=False, null=True, unique=True),
                ),
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("page_id", models.UUIDField()),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("updated", "Updated"),
                            ("moved", "Moved"),
                            ("deleted", "Deleted"),
                            ("restored", "Restored"),
                        ],
                        max_length=16,
                    ),
                ),
                ("reason", models.TextField(blank=True, null=True)),
                ("affected_fields", models.JSONField(blank=True, default=list)),
                ("locale", models.CharField(max_length=10)),
                ("path", models.CharField(max_length=255)),
                ("hash", models.CharField(max_length=40)),
                ("alias", models.CharField(blank=True, max_length=255, null=True)),
                ("title", models.CharField(max_length=255)),
                ("description", models.CharField(blank=True, default="", max_length=255)),
                ("icon", models.CharField(blank=True, default="", max_length=255)),
                (
                    "publish_state",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("published", "Published"),
                            ("scheduled", "Scheduled"),
                        ],
                        default="draft",
                        max_length=16,
                    ),
                ),
                ("publish_start_date", models.DateTimeField(blank=True, null=True)),
                ("publish_end_date", models.DateTimeField(blank=True, null=True)),
                ("config", models.JSONField(blank=True, default=pages.models.default_page_config)),
                ("relations", models.JSONField(blank=True, default=list)),
                ("content", models.TextField(blank=True, default="")),
                ("render", models.TextField(blank=True, default="")),
                ("toc", models.JSONField(blank=True, default=list)),
                ("editor", models.CharField(default="markdown", max_length=64)),
                ("content_type", models.CharField(default="markdown", max_length=16)),
                ("scripts", models.JSONField(blank=True, default=pages.models.default_scripts)),
                ("tags", models.JSONField(blank=True, default=list)),
                ("version_date", models.DateTimeField()),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="page_versions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="page_versions",
                        to="wiki.site",
                    ),
                ),
            ],
            options={
                "ordering": ["-version_date", "-legacy_id"],
                "indexes": [
                    models.Index(
                        fields=["page_id", "-version_date", "-legacy_id"],
                        name="pagehistory_trail_idx",
                    )
                ],
            },
        ),
    ]
