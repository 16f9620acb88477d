"""The search's word cache (services.search_words, PostgreSQL): a common word's matching
tickets with their scores, kept by the workers, so a search for it reads a page and a total
instead of every matching message (bench/README "Search", fifth form). Empty until a word is
searched; SQLite has the tables but never fills them."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

PROBE_INDEX = {
    "postgres": "CREATE UNIQUE INDEX IF NOT EXISTS search_word_tickets_probe"
    " ON search_word_tickets (word_id, ticket_id) INCLUDE (score)",
    "sqlite": "CREATE UNIQUE INDEX IF NOT EXISTS search_word_tickets_probe"
    " ON search_word_tickets (word_id, ticket_id)",
}


async def create_probe_index(apps, schema_editor):
    client = schema_editor.client
    await client.execute_script(PROBE_INDEX[client.capabilities.dialect])


async def drop_probe_index(apps, schema_editor):
    await schema_editor.client.execute_script("DROP INDEX IF EXISTS search_word_tickets_probe")


class Migration(migrations.Migration):
    dependencies = [('helpdesk', '0014_message_project')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SearchWord',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('helpdesk.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='search_words', on_delete=OnDelete.CASCADE)),
                ('term', fields.CharField(max_length=64)),
                ('clean_before', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('total', fields.IntField(default=0)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('searched_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'search_words', 'app': 'helpdesk', 'unique_together': (('project_id', 'term'),), 'indexes': [Index(fields=['due_at'])], 'pk_attr': 'id', 'table_description': 'A query term (services.search.query_terms) cached for a project.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SearchWordTicket',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('word', fields.ForeignKeyField('helpdesk.SearchWord', source_field='word_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.CASCADE)),
                ('ticket', fields.ForeignKeyField('helpdesk.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='search_words', on_delete=OnDelete.CASCADE)),
                ('score', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('number', fields.IntField()),
            ],
            options={'table': 'search_word_tickets', 'app': 'helpdesk', 'indexes': [Index(fields=['word_id', 'score', 'created_at', 'number', 'ticket_id'])], 'pk_attr': 'id', 'table_description': "A ticket's score for a cached word, with its order columns (none ever changes), so"},
            bases=['Model'],
        ),
        ops.RunPython(create_probe_index, drop_probe_index),
    ]
