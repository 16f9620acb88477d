"""The search's word cache (services.search_words, PostgreSQL): for a word searched often
that matches thousands of tickets, each matching ticket's score, kept by a worker so such a
search reads its page and total without visiting every matching message."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.projects import project_fk, uuid_pk


class SearchWord(Model):
    """A query term (services.search.query_terms) cached for a project."""

    project_id: uuid.UUID
    id = uuid_pk()
    project = project_fk("search_words")
    term = fields.CharField(max_length=64)
    # the rows hold every ticket whose `updated_at` is at most this, as it is now (a ticket
    # changed later is scored afresh by the search); None until first built
    clean_before = fields.DatetimeField(null=True)
    total = fields.IntField(default=0)  # the rows (the tickets with a score)
    due_at = fields.DatetimeField()  # the next build or refresh; the worker's indexed query
    searched_at = fields.DatetimeField()  # last use, at most a day old; unused words go

    class Meta:
        table = "search_words"
        unique_together = (("project_id", "term"),)
        indexes = (("due_at",),)


class SearchWordTicket(Model):
    """A ticket's score for a cached word, with its order columns (none ever changes), so
    a page is read from the index alone."""

    word_id: uuid.UUID
    ticket_id: uuid.UUID
    id = fields.BigIntField(primary_key=True)
    word: fields.ForeignKeyRelation[SearchWord] = fields.ForeignKeyField(
        "helpdesk.SearchWord", related_name="tickets", on_delete=fields.CASCADE
    )
    ticket: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "helpdesk.Ticket", related_name="search_words", on_delete=fields.CASCADE
    )
    score = fields.IntField()
    created_at = fields.DatetimeField()
    number = fields.IntField()

    class Meta:
        table = "search_word_tickets"
        # read backwards: best score first, ties newest first (services.search)
        indexes = (("word_id", "score", "created_at", "number", "ticket_id"),)
        # and unique (word_id, ticket_id), covering the score on PostgreSQL so a search's
        # probe of a ticket reads the index alone: made by migration 0015 (Tortoise makes
        # no covering index)
