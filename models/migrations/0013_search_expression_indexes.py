"""Search indexes on PostgreSQL, second form (services.search): GIN indexes on the expressions
`to_tsvector('simple', text)` (messages) and `to_tsvector('simple', coalesce(subject, ''))`
(tickets) instead of stored generated columns, with `fastupdate` on and a 1 MB pending list.

Why: a message write stored its vector beside its text and inserted each word into the GIN
index at once, ~+35–75 % on a bare single-row INSERT on a quiet machine (bench/README
"Search"). Without the stored column and with a small pending list (written in one append,
merged into the index in bulk by the next insert past 1 MB or by autovacuum) the same INSERT
costs ~+10 %. Searches no longer read vectors: a ticket is scored by how many of its
messages hold each word (services.search), and a search also scans the pending list (≤ 1
MB). A third index lets a search check a matching ticket's project and order without its
row (`tickets_search_order`). PostgreSQL still computes the vector in the statement that
writes the row, so every write path keeps the index current in its own transaction. SQLite
keeps its FTS5 table (0009).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

MESSAGE_VECTOR = "to_tsvector('simple'::regconfig, text)"
SUBJECT_VECTOR = "to_tsvector('simple'::regconfig, coalesce(subject, ''))"
GIN_OPTIONS = "WITH (fastupdate = on, gin_pending_list_limit = 1024)"

POSTGRES_FORWARD = [
    "DROP INDEX IF EXISTS messages_search",
    "DROP INDEX IF EXISTS tickets_search",
    "ALTER TABLE messages DROP COLUMN IF EXISTS search_document",
    "ALTER TABLE tickets DROP COLUMN IF EXISTS search_document",
    f"CREATE INDEX IF NOT EXISTS messages_search ON messages USING gin ({MESSAGE_VECTOR})"
    f" {GIN_OPTIONS}",
    f"CREATE INDEX IF NOT EXISTS tickets_search ON tickets USING gin ({SUBJECT_VECTOR})"
    f" {GIN_OPTIONS}",
    # a search checks each matching ticket's project and reads its order (created_at,
    # number): from this index alone, without visiting the ticket row. None of its columns
    # change after the ticket is created, so the frequent ticket updates stay HOT.
    "CREATE INDEX IF NOT EXISTS tickets_search_order ON tickets (id)"
    " INCLUDE (project_id, created_at, number)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS tickets_search_order",
    "DROP INDEX IF EXISTS messages_search",
    "DROP INDEX IF EXISTS tickets_search",
    "ALTER TABLE messages ADD COLUMN IF NOT EXISTS search_document tsvector"
    f" GENERATED ALWAYS AS ({MESSAGE_VECTOR}) STORED",
    "ALTER TABLE tickets ADD COLUMN IF NOT EXISTS search_document tsvector"
    f" GENERATED ALWAYS AS ({SUBJECT_VECTOR}) STORED",
    "CREATE INDEX IF NOT EXISTS messages_search ON messages USING gin (search_document)"
    " WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS tickets_search ON tickets USING gin (search_document)"
    " WITH (fastupdate = off)",
]


async def _run(schema_editor, statements_by_dialect):
    client = schema_editor.client
    for statement in statements_by_dialect.get(client.capabilities.dialect, []):
        await client.execute_script(statement)


async def forward(apps, schema_editor):
    await _run(schema_editor, {"postgres": POSTGRES_FORWARD})


async def backward(apps, schema_editor):
    await _run(schema_editor, {"postgres": POSTGRES_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0012_subscriber_tag_order")]

    initial = False

    operations = [ops.RunPython(forward, backward)]
