from django.db import migrations, models

from motcua.text import fold


def fill(apps, schema_editor):
    Procedure = apps.get_model("catalog", "Procedure")
    rows = list(Procedure.objects.only("pk", "name"))
    for row in rows:
        row.name_sort = fold(row.name)
    Procedure.objects.bulk_update(rows, ["name_sort"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search_trigram_index")]

    operations = [
        migrations.AddField(
            model_name="procedure",
            name="name_sort",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AlterModelOptions(
            name="procedure",
            options={
                "ordering": ["name_sort", "national_code"],
                "verbose_name": "thủ tục hành chính",
                "verbose_name_plural": "thủ tục hành chính",
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
