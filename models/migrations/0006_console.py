from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import AgentRole, MessageSource
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('helpdesk', '0005_max_agent_chat')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConsoleSession',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='console_sessions', on_delete=OnDelete.CASCADE)),
                ('agent', fields.ForeignKeyField('helpdesk.Agent', source_field='agent_id', db_constraint=True, to_field='id', related_name='console_sessions', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('csrf_token', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_seen_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'console_sessions', 'app': 'helpdesk', 'pk_attr': 'id', 'table_description': 'A signed-in browser (the cookie holds the token, the row its hash).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginLink',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='login_links', on_delete=OnDelete.CASCADE)),
                ('agent', fields.ForeignKeyField('helpdesk.Agent', source_field='agent_id', db_constraint=True, to_field='id', related_name='login_links', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'console_login_links', 'app': 'helpdesk', 'pk_attr': 'id', 'table_description': 'A one-time console sign-in link, valid 15 minutes and used once (hash of the token).'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Agent',
            name='role',
            field=fields.CharEnumField(default=AgentRole.AGENT, description='OWNER: owner\nADMIN: admin\nAGENT: agent\nVIEWER: viewer', db_default='agent', enum_type=AgentRole, max_length=16),
        ),
        ops.AlterField(
            model_name='Message',
            name='source',
            field=fields.CharEnumField(description='API: api\nTELEGRAM: telegram\nMAX: max\nAGENT_CHAT: agent_chat\nSYSTEM: system\nCONSOLE: console', enum_type=MessageSource, max_length=16),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['project_id', 'status', 'number']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['project_id', 'assignee_id', 'number']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['project_id', 'updated_at']),
        ),
    ]
