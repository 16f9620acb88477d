"""`/find words` in an agent chat: the project's tickets that best match, anywhere in the chat
(no ticket's place needed). `services.agent_desk.command` has already decided who acts; the
search itself is `services.search`."""

from __future__ import annotations

from models import Project
from services import search
from services.agent_desk_types import Command, DeskResult, Outcome


async def command(project: Project, words: str | None) -> DeskResult:
    """The best matches for `words` (`FOUND`); without words, the usage hint."""
    if not words:
        return DeskResult(Outcome.USAGE, command=Command.FIND)
    found = await search.find_for_agents(project, words)
    return DeskResult(Outcome.FOUND, text=words, found=tuple(found))
