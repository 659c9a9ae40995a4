"""The queue's counts read open work only, through indexes sized by open work.

- `dossier_open_by_due` gains the id, so the counts' candidate rows (an agency's open dossiers)
  are an index-only read. Without it, PostgreSQL combined the due-moment, the counter's and the
  agency's indexes, which grow with every dossier ever filed.
- `consultation_open_by_agency`: the questions an agency still has to answer, rather than
  every question it was ever asked.

Both are built in the migration's transaction, before the old index is dropped. The
open-dossier index holds only open dossiers, so building it takes seconds even with millions
filed; writes wait meanwhile, reads do not.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_procedure_name_sort'),
        ('dossiers', '0007_steprun_open_by_unit'),
        ('org', '0002_remove_administrativeunit_unit_code_per_period_and_more'),
    ]

    operations = [
        # The new index is built first, under another name, while reads go on (CREATE INDEX
        # blocks writes only); the old one is dropped at the end, so the table's exclusive
        # lock, held to the commit, is short.
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(condition=models.Q(('status__in', ['awaiting_payment', 'awaiting_supplement', 'processing', 'received', 'submitted'])), fields=['processing_agency', 'due_at', 'id'], name='dossier_open_by_due_id'),
        ),
        migrations.AddIndex(
            model_name='consultation',
            index=models.Index(condition=models.Q(('answered_at__isnull', True)), fields=['agency', 'dossier'], name='consultation_open_by_agency'),
        ),
        migrations.RemoveIndex(
            model_name='dossier',
            name='dossier_open_by_due',
        ),
        migrations.RenameIndex(
            model_name='dossier',
            new_name='dossier_open_by_due',
            old_name='dossier_open_by_due_id',
        ),
    ]
