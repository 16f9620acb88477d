"""Satisfaction ratings: a project's settings, the survey sent at each close, the rating."""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.projects import Agent, Project, project_fk, uuid_pk
from models.tickets import Ticket


class SurveyState(StrEnum):
    SENT = "sent"  # queued for the customer, no press yet
    RATED = "rated"  # scored; a comment is awaited
    DONE = "done"  # commented or skipped
    ENDED = "ended"  # the ticket was reopened (or 7 days passed) before a press


class RatingSettings(Model):
    """A project's ratings switches (a project without a row: the defaults, all off)."""

    project_id: uuid.UUID
    id = uuid_pk()
    project: fields.OneToOneRelation[Project] = fields.OneToOneField(
        "helpdesk.Project", related_name="rating_settings", on_delete=fields.CASCADE
    )
    enabled = fields.BooleanField(default=False)
    ask_when_customer_closes = fields.BooleanField(default=False)
    question = fields.TextField(null=True)  # null: the built-in en/ru question
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "rating_settings"


class RatingSurvey(Model):
    """The question sent to the customer at one close of a ticket (`cycle`: 1 for its first
    surveyed close, 2 for the next, …). `agent` is the assignee at that close: the one a
    rating credits."""

    project_id: uuid.UUID
    ticket_id: uuid.UUID
    agent_id: uuid.UUID | None
    id = uuid_pk()
    project = project_fk("rating_surveys")
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "helpdesk.Ticket", related_name="rating_surveys", on_delete=fields.CASCADE
    )
    cycle = fields.IntField()
    agent: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "helpdesk.Agent", related_name="rating_surveys", null=True, on_delete=fields.SET_NULL
    )
    state = fields.CharEnumField(SurveyState, max_length=16, default=SurveyState.SENT)
    sent_at = fields.DatetimeField()

    class Meta:
        table = "rating_surveys"
        unique_together = (("ticket_id", "cycle"),)
        indexes = (("ticket_id", "state"),)


class Rating(Model):
    """A customer's answer to one survey: one per close (the survey is unique)."""

    project_id: uuid.UUID
    ticket_id: uuid.UUID
    survey_id: uuid.UUID
    agent_id: uuid.UUID | None
    id = uuid_pk()
    project = project_fk("ratings")
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "helpdesk.Ticket", related_name="ratings", on_delete=fields.CASCADE
    )
    survey: fields.OneToOneRelation[RatingSurvey] = fields.OneToOneField(
        "helpdesk.RatingSurvey", related_name="rating", on_delete=fields.CASCADE
    )
    agent: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "helpdesk.Agent", related_name="ratings", null=True, on_delete=fields.SET_NULL
    )
    score = fields.SmallIntField()
    comment = fields.TextField(null=True)
    rated_at = fields.DatetimeField()

    class Meta:
        table = "ratings"
        indexes = (("project_id", "rated_at"), ("ticket_id", "rated_at"))
