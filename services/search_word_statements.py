"""The word cache's SQL (services.search_words, PostgreSQL only): building and refreshing a
word's rows, and a search's page and total from them.

A ticket's score for a word is the plain search's (services.search_statements): 1 for each
of its messages holding the word, SUBJECT_WEIGHT for its subject. Rows hold it for the
tickets unchanged since the word's `clean_before` ($3 below); the tickets changed after it
(`changed`, by the `(project_id, updated_at)` index) are scored from their own messages.
"""

from __future__ import annotations

from services.search_expressions import ticket_score
from services.search_statements import _matched

_ORDER = " ORDER BY f.score DESC, f.created_at DESC, f.number DESC"
_ROW_COLUMNS = "(word_id, ticket_id, score, created_at, number)"


def build_word_statement() -> str:
    """Every matching ticket's row, through the plain search's lookups: $1 project, $2 word,
    $3 the word's query value."""
    matched, _ = _matched(["-"], 3, True)
    return (
        f"WITH {matched} INSERT INTO search_word_tickets {_ROW_COLUMNS}"
        " SELECT CAST($2 AS UUID), x.id, x.score, t.created_at, t.number"
        " FROM matched x JOIN tickets t ON t.id = x.id"
    )


def rescore_word_statement() -> str:
    """The rows of the tickets changed after $4 (their old rows deleted first): $1 project,
    $2 word, $3 the word's query value. A ticket changed between the delete and this
    statement (each sees the commits before it) still has its row: it is replaced."""
    return (
        f"INSERT INTO search_word_tickets {_ROW_COLUMNS}"
        " SELECT CAST($2 AS UUID), t.id, s.score, t.created_at, t.number FROM tickets t"
        f" CROSS JOIN LATERAL (SELECT {ticket_score('t', '$3')} AS score) s"
        " WHERE t.project_id = $1 AND t.updated_at > $4 AND s.score > 0"
        " ON CONFLICT (word_id, ticket_id) DO UPDATE SET score = EXCLUDED.score"
    )


def _changed_and_live() -> str:
    return (
        "changed AS (SELECT t.id, t.subject, t.created_at, t.number FROM tickets t"
        " WHERE t.project_id = $1 AND t.updated_at > $3),"
        " live AS (SELECT c.id, c.created_at, c.number, s.score FROM changed c"
        f" CROSS JOIN LATERAL (SELECT {ticket_score('c', '$4')} AS score) s"
        " WHERE s.score > 0)"
    )


# the rows' count, less those of changed tickets, plus the changed tickets that match
_TOTAL = (
    "(SELECT total FROM search_words WHERE id = $2)"
    " - (SELECT COUNT(*) FROM search_word_tickets w JOIN changed c ON c.id = w.ticket_id"
    " WHERE w.word_id = $2) + (SELECT COUNT(*) FROM live)"
)


def word_page_statement(columns: str, joins: str) -> str:
    """A page of a cached word's tickets with the total in every row: $1 project, $2 word,
    $3 its clean_before, $4 its query value, $5 limit, $6 offset. The best unchanged rows
    come backwards from the word's order index, as many as the page can need."""
    return (
        f"WITH {_changed_and_live()},"
        " kept AS (SELECT w.ticket_id AS id, w.created_at, w.number, w.score"
        " FROM search_word_tickets w WHERE w.word_id = $2"
        " AND NOT EXISTS (SELECT 1 FROM changed c WHERE c.id = w.ticket_id)"
        " ORDER BY w.score DESC, w.created_at DESC, w.number DESC"
        " LIMIT CAST($5 AS BIGINT) + CAST($6 AS BIGINT)),"
        " page AS (SELECT * FROM (SELECT * FROM kept UNION ALL SELECT * FROM live) f"
        f"{_ORDER} LIMIT $5 OFFSET $6)"
        f" SELECT {_TOTAL} AS total, {columns}"
        f" FROM page f JOIN tickets t ON t.id = f.id{joins}{_ORDER}"
    )


def word_count_statement() -> str:
    """A cached word's total alone (a page past the last match carries none): $1 project,
    $2 word, $3 its clean_before, $4 its query value."""
    return f"WITH {_changed_and_live()} SELECT {_TOTAL} AS n"
