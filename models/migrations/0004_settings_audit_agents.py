from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('helpdesk', '0003_ratings')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.CASCADE)),
                ('actor', fields.CharField(max_length=16)),
                ('actor_agent_id', fields.UUIDField(null=True)),
                ('actor_name', fields.CharField(null=True, max_length=200)),
                ('action', fields.CharField(max_length=64)),
                ('target_type', fields.CharField(max_length=32)),
                ('target_id', fields.CharField(null=True, max_length=64)),
                ('changes', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_entries', 'app': 'helpdesk', 'indexes': [Index(fields=['project_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "One change to a project's settings, written in the transaction of the change."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Agent',
            name='origin',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Agent',
            name='removed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Agent',
            name='role',
            field=fields.CharField(default='agent', db_default='agent', max_length=16),
        ),
    ]
