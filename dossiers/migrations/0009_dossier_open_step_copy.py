"""The dossier keeps a copy of its open step run's unit and assignee (`Dossier.step_unit`,
`Dossier.step_assignee`), so the queues count and sort an official's or a unit's work without
looking up every open dossier's step run.

The copy is filled here from the step runs: only dossiers with a current step are touched
(the open ones, some tens of thousands in a province), one statement that SQLite and
PostgreSQL both run. The indexes are built after it, so they are built once. PostgreSQL then
gathers its statistics of the table: without those of the new columns it planned "my work"
from the wrong index until its next automatic ANALYZE (at 200,000 dossiers the page's rows
took 6 ms instead of 2). SQLite runs no ANALYZE (decision 0008).
"""

import django.db.models.deletion
from django.db import migrations, models

COPY = """
UPDATE dossiers_dossier
   SET step_unit_id = (SELECT r.unit_id FROM dossiers_steprun r
                        WHERE r.id = dossiers_dossier.current_step_id AND r.finished_at IS NULL),
       step_assignee_id = (SELECT r.assignee_id FROM dossiers_steprun r
                            WHERE r.id = dossiers_dossier.current_step_id
                              AND r.finished_at IS NULL)
 WHERE current_step_id IS NOT NULL
"""


def analyze(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE dossiers_dossier")


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_procedure_name_sort'),
        ('dossiers', '0008_queue_indexes_cover_open_work'),
        ('org', '0002_remove_administrativeunit_unit_code_per_period_and_more'),
    ]

    operations = [
        # (the two fields first, then the copy, then the indexes)
        migrations.AddField(
            model_name='dossier',
            name='step_assignee',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.official', verbose_name='cán bộ đang xử lý'),
        ),
        migrations.AddField(
            model_name='dossier',
            name='step_unit',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.orgunit', verbose_name='đơn vị đang xử lý'),
        ),
        migrations.RunSQL(COPY, migrations.RunSQL.noop, elidable=False),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(condition=models.Q(('step_assignee__isnull', False)), fields=['step_assignee', 'due_at'], name='dossier_open_step_assignee'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(condition=models.Q(('step_unit__isnull', False)), fields=['step_unit', 'due_at'], name='dossier_open_step_unit'),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop, elidable=False),
    ]
