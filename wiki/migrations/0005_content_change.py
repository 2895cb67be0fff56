from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wiki", "0004_seal_mail_secrets"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContentChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("weight", models.BigIntegerField(default=1)),
            ],
        ),
    ]
