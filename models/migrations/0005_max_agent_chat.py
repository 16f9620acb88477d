from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import Channel
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('helpdesk', '0004_settings_audit_agents')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AgentChatPost',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='agent_chat_posts', on_delete=OnDelete.CASCADE)),
                ('ticket', fields.ForeignKeyField('helpdesk.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='agent_chat_posts', on_delete=OnDelete.CASCADE)),
                ('message', fields.ForeignKeyField('helpdesk.Message', source_field='message_id', null=True, db_constraint=True, to_field='id', related_name='agent_chat_posts', on_delete=OnDelete.SET_NULL)),
                ('chat_id', fields.BigIntField()),
                ('mid', fields.CharField(max_length=64)),
                ('kind', fields.CharField(max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'agent_chat_posts', 'app': 'helpdesk', 'unique_together': (('chat_id', 'mid'),), 'indexes': [Index(fields=['ticket_id', 'chat_id', 'kind'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddConstraint(
            model_name='Agent',
            constraint=UniqueConstraint(fields=('project_id', 'max_user_id'), name=None),
        ),
        ops.AddField(
            model_name='Project',
            name='agent_chat_lost_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Project',
            name='agent_chat_platform',
            field=fields.CharEnumField(default=Channel.TELEGRAM, description='TELEGRAM: telegram\nMAX: max\nVIRTUAL: virtual', enum_type=Channel, max_length=16),
        ),
    ]
