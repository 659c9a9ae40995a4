"""Fills the dossier's copy of its open step (added empty by 0009) from the step runs, then
builds its two partial indexes.

Only dossiers with a current step are touched (the open ones: 60,598 at 2,000,000 dossiers),
by one statement that SQLite and PostgreSQL both run. On PostgreSQL reads go on meanwhile;
moves of those dossiers wait for the UPDATE (15 s at 2,000,000 on the bench machine, a test
suite running beside it), and every write waits for each index build (about a second each).
The indexes are built after the copy, so they are built once. PostgreSQL then gathers its
statistics of the table: without those of the new columns it planned "my work" from the
wrong index until its next automatic ANALYZE (at 200,000 dossiers the page's rows took 6 ms
instead of 2). SQLite runs no ANALYZE (decision 0008).

The statement is kept in `COPY` so that the copy can be checked, or made again, by hand.
"""

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

    dependencies = [('dossiers', '0009_dossier_open_step_copy')]

    operations = [
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
