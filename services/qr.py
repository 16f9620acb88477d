"""QR codes of links (the project's help links), as SVG text drawn by `segno`."""

from __future__ import annotations

import io

from services.validation import invalid

MAX_QR_TEXT = 500


def qr_svg(text: str, *, scale: int = 4, title: str | None = None) -> str:
    """An SVG document (no XML declaration, so it can be inlined in a page) encoding `text`."""
    if not text or len(text) > MAX_QR_TEXT:
        raise invalid("text", f"must be 1-{MAX_QR_TEXT} characters")
    import segno  # only the console and the CLI draw codes

    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out, kind="svg", scale=scale, xmldecl=False, svgns=True, title=title, nl=False
    )
    return out.getvalue().decode()
