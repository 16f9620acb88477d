"""Full-text search indexes (services.search): what the ORM cannot declare.

PostgreSQL: a generated `search_document` column (`to_tsvector('simple', …)` of a
message's text, of a ticket's subject) with a GIN index on each table — PostgreSQL computes
and indexes them in the statement that writes the row, so every write path (including the
hand-written customer-message SQL) keeps them current in its own transaction. The models do
not declare the columns: the ORM and services.sql name the columns they write and read. SQLite: an FTS5 table filled by triggers on the same tables, for the same
reason. Existing rows are indexed here.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

POSTGRES_FORWARD = [
    # stored, not recomputed: a search reads the vectors of every hit twice (recheck, rank)
    "ALTER TABLE messages ADD COLUMN IF NOT EXISTS search_document tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED",
    "ALTER TABLE tickets ADD COLUMN IF NOT EXISTS search_document tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(subject, ''))) STORED",
    # fastupdate off: each write pays its own small index insert, instead of an unlucky
    # message write flushing the whole pending list (and every search scanning that list)
    "CREATE INDEX IF NOT EXISTS messages_search ON messages USING gin (search_document)"
    " WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS tickets_search ON tickets USING gin (search_document)"
    " WITH (fastupdate = off)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS messages_search",
    "DROP INDEX IF EXISTS tickets_search",
    "ALTER TABLE messages DROP COLUMN IF EXISTS search_document",
    "ALTER TABLE tickets DROP COLUMN IF EXISTS search_document",
]
# kind: 'm' a message text, 's' a ticket subject; source_id: the message's or ticket's id
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS ticket_search USING fts5("
    "body, ticket_id UNINDEXED, source_id UNINDEXED, kind UNINDEXED)",
    "INSERT INTO ticket_search (body, ticket_id, source_id, kind)"
    " SELECT text, ticket_id, id, 'm' FROM messages",
    "INSERT INTO ticket_search (body, ticket_id, source_id, kind)"
    " SELECT subject, id, id, 's' FROM tickets WHERE subject IS NOT NULL",
    "CREATE TRIGGER IF NOT EXISTS messages_search_insert AFTER INSERT ON messages BEGIN"
    " INSERT INTO ticket_search (body, ticket_id, source_id, kind)"
    " VALUES (new.text, new.ticket_id, new.id, 'm'); END",
    "CREATE TRIGGER IF NOT EXISTS messages_search_update AFTER UPDATE OF text ON messages"
    " WHEN old.text IS NOT new.text BEGIN"
    " DELETE FROM ticket_search WHERE source_id = old.id AND kind = 'm';"
    " INSERT INTO ticket_search (body, ticket_id, source_id, kind)"
    " VALUES (new.text, new.ticket_id, new.id, 'm'); END",
    "CREATE TRIGGER IF NOT EXISTS messages_search_delete AFTER DELETE ON messages BEGIN"
    " DELETE FROM ticket_search WHERE source_id = old.id AND kind = 'm'; END",
    "CREATE TRIGGER IF NOT EXISTS tickets_search_insert AFTER INSERT ON tickets"
    " WHEN new.subject IS NOT NULL BEGIN"
    " INSERT INTO ticket_search (body, ticket_id, source_id, kind)"
    " VALUES (new.subject, new.id, new.id, 's'); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_search_update AFTER UPDATE OF subject ON tickets"
    " WHEN old.subject IS NOT new.subject BEGIN"
    " DELETE FROM ticket_search WHERE source_id = old.id AND kind = 's';"
    " INSERT INTO ticket_search (body, ticket_id, source_id, kind)"
    " SELECT new.subject, new.id, new.id, 's' WHERE new.subject IS NOT NULL; END",
    "CREATE TRIGGER IF NOT EXISTS tickets_search_delete AFTER DELETE ON tickets BEGIN"
    " DELETE FROM ticket_search WHERE ticket_id = old.id; END",
]
SQLITE_BACKWARD = [
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for name in (
            "messages_search_insert",
            "messages_search_update",
            "messages_search_delete",
            "tickets_search_insert",
            "tickets_search_update",
            "tickets_search_delete",
        )
    ),
    "DROP TABLE IF EXISTS ticket_search",
]


async def _run(schema_editor, statements_by_dialect):
    client = schema_editor.client
    statements = statements_by_dialect.get(client.capabilities.dialect, [])
    for statement in statements:
        await client.execute_script(statement)


async def forward(apps, schema_editor):
    await _run(schema_editor, {"postgres": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD})


async def backward(apps, schema_editor):
    await _run(schema_editor, {"postgres": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0008_canned_replies")]

    initial = False

    operations = [ops.RunPython(forward, backward)]
