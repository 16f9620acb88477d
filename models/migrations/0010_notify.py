from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import BroadcastState, NotificationStatus, RecipientState, SubscriberStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('helpdesk', '0009_search')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Broadcast',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.CASCADE)),
                ('text', fields.TextField(unique=False)),
                ('buttons', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('audience_filter', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('messages_per_minute', fields.IntField(null=True)),
                ('send_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('state', fields.CharEnumField(description='SCHEDULED: scheduled\nSENDING: sending\nDONE: done\nCANCELLED: cancelled', enum_type=BroadcastState, max_length=16)),
                ('audience', fields.IntField(default=0)),
                ('released', fields.IntField(default=0)),
                ('sent', fields.IntField(default=0)),
                ('failed', fields.IntField(default=0)),
                ('blocked', fields.IntField(default=0)),
                ('skipped', fields.IntField(default=0)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcasts', 'app': 'helpdesk', 'indexes': [Index(fields=['state', 'send_at']), Index(fields=['project_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BroadcastRecipient',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('broadcast', fields.ForeignKeyField('helpdesk.Broadcast', source_field='broadcast_id', db_constraint=True, to_field='id', related_name='recipients', on_delete=OnDelete.CASCADE)),
                ('subscriber_id', fields.UUIDField()),
                ('state', fields.CharEnumField(default=RecipientState.PENDING, description='PENDING: pending\nQUEUED: queued\nSKIPPED: skipped', enum_type=RecipientState, max_length=16)),
            ],
            options={'table': 'broadcast_recipients', 'app': 'helpdesk', 'indexes': [Index(fields=['broadcast_id', 'state', 'id'])], 'pk_attr': 'id', 'table_description': 'One audience member of a broadcast, fixed when the broadcast is created. The pacer'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('subscriber_id', fields.UUIDField()),
                ('broadcast_id', fields.UUIDField(null=True)),
                ('text', fields.TextField(unique=False)),
                ('buttons', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharEnumField(default=NotificationStatus.QUEUED, description='QUEUED: queued\nSENT: sent\nFAILED: failed\nBLOCKED: blocked', enum_type=NotificationStatus, max_length=16)),
                ('error', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notifications', 'app': 'helpdesk', 'indexes': [Index(fields=['broadcast_id', 'status'])], 'pk_attr': 'id', 'table_description': 'A message to one subscriber (POST /v1/messages, or one recipient of a broadcast).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SubscribeLink',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=16)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='subscribe_links', on_delete=OnDelete.CASCADE)),
                ('tags', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'subscribe_links', 'app': 'helpdesk', 'pk_attr': 'id', 'table_description': '`sub_<id>`: a permanent deep link that subscribes with these tags.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SubscriberTag',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='subscriber_tags', on_delete=OnDelete.CASCADE)),
                ('subscriber', fields.ForeignKeyField('helpdesk.Subscriber', source_field='subscriber_id', db_constraint=True, to_field='id', related_name='tag_rows', on_delete=OnDelete.CASCADE)),
                ('tag', fields.CharField(max_length=32)),
            ],
            options={'table': 'subscriber_tags', 'app': 'helpdesk', 'unique_together': (('subscriber_id', 'tag'),), 'indexes': [Index(fields=['project_id', 'tag'])], 'pk_attr': 'id', 'table_description': 'One tag of one subscriber: the indexed form of `Subscriber.tags` (filters, audiences).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboundMessage',
            name='priority',
            field=fields.SmallIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Subscriber',
            name='status',
            field=fields.CharEnumField(default=SubscriberStatus.ACTIVE, description='ACTIVE: active\nUNSUBSCRIBED: unsubscribed\nBLOCKED: blocked', db_default='active', enum_type=SubscriberStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Subscriber',
            name='subscribed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Subscriber',
            name='tags',
            field=fields.JSONField(default=list, db_default='[]', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Subscriber',
            name='unsubscribed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Subscriber',
            index=Index(fields=['project_id', 'created_at', 'id']),
        ),
        # rows from before `status`: the blocked flag stood for both ways out; an unsubscribe
        # is the likelier (a messenger block shows up again at the next delivery)
        ops.RunSQL(
            "UPDATE subscribers SET status = 'unsubscribed' WHERE blocked",
            reverse_sql="SELECT 1",
        ),
    ]
