"""A report as CSV: one table whose first column says which part of the report a row is
(`day`, `channel`, `agent`, `total`), so a spreadsheet or `csv` reads it in one go."""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = (
    "section",
    "key",
    "name",
    "created",
    "closed",
    "first_response_median_seconds",
    "first_response_p90_seconds",
    "resolution_median_seconds",
    "resolution_p90_seconds",
)


def _times(group: dict[str, Any]) -> list[Any]:
    first, resolution = group["first_response_seconds"], group["resolution_seconds"]
    return [first["median"], first["p90"], resolution["median"], resolution["p90"]]


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a name is never run as a spreadsheet formula
    return "" if value is None else value


def report_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows: list[list[Any]] = []
    for day in report["per_day"]:
        rows.append(["day", day["date"], "", day["created"], day["closed"], "", "", "", ""])
    for group in report["by_channel"]:
        rows.append(
            ["channel", group["channel"], "", group["created"], group["closed"], *_times(group)]
        )
    for group in report["by_agent"]:
        rows.append(
            [
                "agent",
                group["agent_id"] or "unassigned",
                group["name"],
                group["created"],
                group["closed"],
                *_times(group),
            ]
        )
    total = report["total"]
    rows.append(
        [
            "total",
            f"{report['from']}..{report['to']}",
            "",
            total["created"],
            total["closed"],
            *_times(total),
        ]
    )
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return out.getvalue()
