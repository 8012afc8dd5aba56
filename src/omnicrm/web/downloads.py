"""A file the workstation hands to the browser: saved under ``name``, never cached (it holds the
viewer's data as of now)."""

from fastapi.responses import Response


def attachment(body: bytes | str, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
