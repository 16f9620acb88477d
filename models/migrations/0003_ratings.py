from tortoise import migrations
from tortoise.migrations import operations as ops
from models.ratings import SurveyState
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('helpdesk', '0002_outbox_event_body')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RatingSettings',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('project', fields.OneToOneField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='rating_settings', on_delete=OnDelete.CASCADE)),
                ('enabled', fields.BooleanField(default=False)),
                ('ask_when_customer_closes', fields.BooleanField(default=False)),
                ('question', fields.TextField(null=True, unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'rating_settings', 'app': 'helpdesk', 'pk_attr': 'id', 'table_description': "A project's ratings switches (a project without a row: the defaults, all off)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RatingSurvey',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='rating_surveys', on_delete=OnDelete.CASCADE)),
                ('ticket', fields.ForeignKeyField('helpdesk.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='rating_surveys', on_delete=OnDelete.CASCADE)),
                ('cycle', fields.IntField()),
                ('agent', fields.ForeignKeyField('helpdesk.Agent', source_field='agent_id', null=True, db_constraint=True, to_field='id', related_name='rating_surveys', on_delete=OnDelete.SET_NULL)),
                ('state', fields.CharEnumField(default=SurveyState.SENT, description='SENT: sent\nRATED: rated\nDONE: done\nENDED: ended', enum_type=SurveyState, max_length=16)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'rating_surveys', 'app': 'helpdesk', 'unique_together': (('ticket_id', 'cycle'),), 'indexes': [Index(fields=['ticket_id', 'state'])], 'pk_attr': 'id', 'table_description': 'The question sent to the customer at one close of a ticket (`cycle`: 1 for its first'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Rating',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.CASCADE)),
                ('ticket', fields.ForeignKeyField('helpdesk.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.CASCADE)),
                ('survey', fields.OneToOneField('helpdesk.RatingSurvey', source_field='survey_id', db_constraint=True, to_field='id', related_name='rating', on_delete=OnDelete.CASCADE)),
                ('agent', fields.ForeignKeyField('helpdesk.Agent', source_field='agent_id', null=True, db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.SET_NULL)),
                ('score', fields.SmallIntField()),
                ('comment', fields.TextField(null=True, unique=False)),
                ('rated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ratings', 'app': 'helpdesk', 'indexes': [Index(fields=['project_id', 'rated_at']), Index(fields=['ticket_id', 'rated_at'])], 'pk_attr': 'id', 'table_description': "A customer's answer to one survey: one per close (the survey is unique)."},
            bases=['Model'],
        ),
    ]
