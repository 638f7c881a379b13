"""Create the id types the platform creates in its data migrations (xapi, caliper, lti, mb_coaching)."""

from django.db import migrations

TYPES = {
    "xapi": "xAPI anonymous user id",
    "caliper": "Caliper anonymous user id",
    "lti": "LTI anonymous user id",
    "mb_coaching": "MicroBachelors coaching",
}


def create_types(apps, schema_editor):
    external_id_type = apps.get_model("external_user_ids", "ExternalIdType")
    for name, description in TYPES.items():
        external_id_type.objects.update_or_create(name=name, defaults={"description": description})


def delete_types(apps, schema_editor):
    apps.get_model("external_user_ids", "ExternalIdType").objects.filter(name__in=TYPES).delete()


class Migration(migrations.Migration):
    dependencies = [("external_user_ids", "0001_initial")]

    operations = [migrations.RunPython(create_types, delete_types)]
