from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('helpdesk', '0001_initial')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='OutboxEvent',
            name=None,
            fields=['status', 'next_attempt_at'],
        ),
        ops.RemoveIndex(
            model_name='OutboxEvent',
            name=None,
            fields=['ticket_id', 'occurred_at'],
        ),
        ops.AddField(
            model_name='OutboxEvent',
            name='body',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddIndex(
            model_name='OutboxEvent',
            index=Index(fields=['status', 'seq']),
        ),
        ops.AddIndex(
            model_name='OutboxEvent',
            index=Index(fields=['ticket_id', 'status', 'seq']),
        ),
    ]
