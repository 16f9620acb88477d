"""The pieces of the search's PostgreSQL statements (services.search_statements and
services.search_word_statements): the indexes' expressions, a ticket's score for a word,
and a cached word's tickets (services.search_words).

A ticket's score for a word: 1 for each of its messages holding it, SUBJECT_WEIGHT for its
subject holding it. A cached word's rows hold it for the tickets unchanged since the word's
`clean_before`; the tickets changed later are scored from their own messages.
"""

from __future__ import annotations

SUBJECT_WEIGHT = 2

# the very expressions of the GIN indexes (migration 0013), so a lookup uses them
MESSAGE_VECTOR = "to_tsvector('simple'::regconfig, m.text)"
SUBJECT_VECTOR = "to_tsvector('simple'::regconfig, coalesce({t}.subject, ''))"


def tsquery(mark: str) -> str:
    return f"to_tsquery('simple'::regconfig, {mark})"


def prefix_value(term: str) -> str:
    """A term as the value of a PostgreSQL `to_tsquery` parameter: its prefix search."""
    return f"'{term}':*"


def ticket_score(t: str, mark: str) -> str:
    """Ticket `t`'s score for the word in `mark`, from its own messages (by the ticket's
    index; `ts_match_vq` is `@@` that the planner does not turn into a whole-index lookup)."""
    query = tsquery(mark)
    return (
        f"(SELECT COUNT(*) FROM messages m WHERE m.ticket_id = {t}.id"
        f" AND ts_match_vq({MESSAGE_VECTOR}, {query}))"
        f" + CASE WHEN ts_match_vq({SUBJECT_VECTOR.format(t=t)}, {query})"
        f" THEN {SUBJECT_WEIGHT} ELSE 0 END"
    )


def changed_tickets(clean: str) -> str:
    """The project's ($1) tickets changed after a word's `clean_before` (`clean`), by the
    `(project_id, updated_at)` index."""
    return f"SELECT u.id FROM tickets u WHERE u.project_id = $1 AND u.updated_at > {clean}"


def word_hits(word: str, clean: str, query: str) -> str:
    """`(id, score)`, one row per ticket matching a cached word: from its rows, or scored
    afresh for the changed tickets."""
    return (
        f"SELECT w.ticket_id AS id, w.score FROM search_word_tickets w WHERE w.word_id = {word}"
        f" AND w.ticket_id NOT IN ({changed_tickets(clean)})"
        " UNION ALL SELECT u.id, s.score FROM tickets u"
        f" CROSS JOIN LATERAL (SELECT {ticket_score('u', query)} AS score) s"
        f" WHERE u.project_id = $1 AND u.updated_at > {clean} AND s.score > 0"
    )
