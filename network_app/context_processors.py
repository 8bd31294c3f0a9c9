"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from people.roles import viewer_for


def viewer(request: HttpRequest) -> dict[str, Any]:
    """Expose the resolved Viewer (person, organizer flag) to templates as ``viewer``."""
    cached = getattr(request, "_smallbatch_viewer", None)
    if cached is None:
        cached = viewer_for(getattr(request, "user", None))
        request._smallbatch_viewer = cached  # type: ignore[attr-defined]
    return {"viewer": cached}
