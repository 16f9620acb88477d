"""Each message carries its ticket's project (`messages.project_id`), so a search checks a
hit's project in the message row it reads for the ticket anyway, instead of one ticket probe
per matching ticket, and ranks without visiting the tickets that cannot make the page
(services.search; bench/README "Search", fourth form).

Added empty, filled from the tickets, then required (on SQLite the column stays nullable in
the schema, as in 0012: Tortoise's table rebuild there loses constraints; every write gives
the value)."""

import importlib

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

AlterFieldNotOnSqlite = importlib.import_module(
    "models.migrations.0012_subscriber_tag_order"
).AlterFieldNotOnSqlite


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0013_search_expression_indexes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Message",
            name="project_id",
            field=fields.UUIDField(null=True),
        ),
        ops.RunSQL(
            "UPDATE messages SET project_id = (SELECT t.project_id FROM tickets t"
            " WHERE t.id = messages.ticket_id)",
            reverse_sql="SELECT 1",
        ),
        AlterFieldNotOnSqlite(
            model_name="Message",
            name="project_id",
            field=fields.UUIDField(),
        ),
    ]
