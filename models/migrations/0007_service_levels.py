from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('helpdesk', '0006_console')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ServiceLevels',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('project', fields.OneToOneField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='service_levels', on_delete=OnDelete.CASCADE)),
                ('settings', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'service_levels', 'app': 'helpdesk', 'pk_attr': 'id', 'table_description': 'One row per project (none = the defaults of services.service_levels). `settings` is'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Project',
            name='service_levels_on',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_due_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_first_response_due_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_next_check_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_next_response_due_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_resolution_due_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_state',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_warn_before_minutes',
            field=fields.IntField(null=True),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['project_id', 'sla_due_at']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['sla_next_check_at']),
        ),
    ]
