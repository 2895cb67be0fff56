"""Give every page that existed before the tree its tree item and its folders.

Written with the historical models and plain loops so that it keeps working as the services
change; pages are read in chunks so a large wiki never sits in memory at once.
"""

import hashlib

from django.db import migrations

CHUNK = 2000


def _hash(locale, path):
    return hashlib.sha1(f"{locale}/{path}".encode(), usedforsecurity=False).hexdigest()


def _iso(value):
    return value.isoformat() if value else None


def backfill(apps, schema_editor):
    from wiki import legacy_ids

    Page = apps.get_model("pages", "Page")
    TreeItem = apps.get_model("pages", "TreeItem")
    seen_folders = set(
        TreeItem.objects.filter(type="folder").values_list("site_id", "locale", "path")
    )
    has_item = set(TreeItem.objects.filter(type="page").values_list("id", flat=True))
    last_pk = None
    while True:
        chunk = Page.objects.order_by("pk")
        if last_pk is not None:
            chunk = chunk.filter(pk__gt=last_pk)
        pages = list(chunk[:CHUNK])
        if not pages:
            break
        last_pk = pages[-1].pk
        items = []
        for page in pages:
            segments = page.path.split("/")
            for depth in range(1, len(segments)):
                path = "/".join(segments[:depth])
                key = (page.site_id, page.locale, path)
                if key in seen_folders:
                    continue
                seen_folders.add(key)
                folder_path, _, file_name = path.rpartition("/")
                items.append(
                    TreeItem(
                        site_id=page.site_id,
                        locale=page.locale,
                        type="folder",
                        folder_path=folder_path,
                        file_name=file_name,
                        path=path,
                        depth=depth - 1,
                        title=file_name,
                        hash=_hash(page.locale, path),
                        created_at=page.created_at,
                        updated_at=page.created_at,
                    )
                )
            if page.pk in has_item:
                continue
            folder_path, _, file_name = page.path.rpartition("/")
            items.append(
                TreeItem(
                    id=page.pk,
                    page_id=page.pk,
                    site_id=page.site_id,
                    locale=page.locale,
                    type="page",
                    folder_path=folder_path,
                    file_name=file_name,
                    path=page.path,
                    depth=len(segments) - 1,
                    title=page.title,
                    hash=_hash(page.locale, page.path),
                    tags=list(page.tags or []),
                    meta={
                        "description": page.description or "",
                        "editor": page.editor,
                        "contentType": page.content_type,
                        "authorId": str(page.author_id),
                        "creatorId": str(page.creator_id),
                        "publishState": page.publish_state,
                        "publishStartDate": _iso(page.publish_start_date),
                        "publishEndDate": _iso(page.publish_end_date),
                        "isBrowsable": page.is_browsable,
                    },
                    created_at=page.created_at,
                    updated_at=page.updated_at,
                )
            )
        ids = legacy_ids.allocate_many("treeitem", len(items))
        for item, legacy_id in zip(items, ids, strict=True):
            item.legacy_id = legacy_id
        TreeItem.objects.bulk_create(items, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("pages", "0005_tree")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
