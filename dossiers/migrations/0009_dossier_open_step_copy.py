"""The dossier keeps a copy of its open step run's unit and assignee (`Dossier.step_unit`,
`Dossier.step_assignee`, decision 0014). This migration adds the two columns, empty; 0010
fills them and builds their indexes.

Why two migrations: on PostgreSQL adding a column locks the table against reads as well as
writes until the migration's transaction ends. Alone, that lasts an instant; the filling and
the index builds then run in 0010 with reads going on.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_procedure_name_sort'),
        ('dossiers', '0008_queue_indexes_cover_open_work'),
        ('org', '0002_remove_administrativeunit_unit_code_per_period_and_more'),
    ]

    operations = [
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
    ]
