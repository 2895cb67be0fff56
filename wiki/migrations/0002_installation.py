"""Installation data of the wiki app: the ``*`` site and the default settings (API.md §5).

The token signing keys in the ``auth`` setting are the accounts app's to make (its installation
migration): site-level code, migrations included, never imports ``accounts``.
"""

import copy
import uuid

from django.db import migrations


def install(apps, schema_editor):
    from wiki.config import DEFAULTS
    from wiki.models import default_site_config

    Site = apps.get_model("wiki", "Site")
    Setting = apps.get_model("wiki", "Setting")
    if not Site.objects.filter(hostname="*").exists():
        Site.objects.create(
            id=uuid.uuid4(), hostname="*", is_enabled=True, config=default_site_config()
        )
    for key, value in DEFAULTS.items():
        Setting.objects.get_or_create(key=key, defaults={"value": copy.deepcopy(value)})


class Migration(migrations.Migration):
    dependencies = [("wiki", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
