from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class AlterFieldNotOnSqlite(ops.AlterField):
    """SQLite alters a column by rebuilding the table, and Tortoise's rebuild drops the
    table's (subscriber_id, tag) unique constraint: there the column stays nullable in the
    schema (the model still requires a value on every write)."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is None or state_editor.client.capabilities.dialect == "sqlite":
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is None or state_editor.client.capabilities.dialect == "sqlite":
            return
        await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('helpdesk', '0011_webhook_events')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='SubscriberTag',
            name=None,
            fields=['project_id', 'tag'],
        ),
        # added empty, filled from the subscribers, then required
        ops.AddField(
            model_name='SubscriberTag',
            name='subscriber_created_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunSQL(
            "UPDATE subscriber_tags SET subscriber_created_at = (SELECT s.created_at"
            " FROM subscribers s WHERE s.id = subscriber_tags.subscriber_id)",
            reverse_sql="SELECT 1",
        ),
        AlterFieldNotOnSqlite(
            model_name='SubscriberTag',
            name='subscriber_created_at',
            field=fields.DatetimeField(auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='SubscriberTag',
            index=Index(fields=['project_id', 'tag', 'subscriber_created_at', 'subscriber_id']),
        ),
    ]
