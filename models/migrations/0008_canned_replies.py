from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('helpdesk', '0007_service_levels')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CannedReply',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='canned_replies', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=32)),
                ('title', fields.CharField(max_length=200)),
                ('text', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'canned_replies', 'app': 'helpdesk', 'unique_together': (('project_id', 'code'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
