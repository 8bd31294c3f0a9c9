"""Template tags of the introduction pages: the unread count in the navigation."""

from __future__ import annotations

from typing import Any

from django import template

from people.notifications import notification_unread_count
from people.roles import Viewer

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> int:
    """How many of the viewer's notifications are unread (0 for anyone without a person).
    Computed once per request."""
    request = context.get("request")
    cached = getattr(request, "_smallbatch_unread", None) if request is not None else None
    if cached is not None:
        return int(cached)
    viewer = context.get("viewer")
    count = notification_unread_count(viewer=viewer) if isinstance(viewer, Viewer) else 0
    if request is not None:
        request._smallbatch_unread = count
    return count


@register.simple_tag
def broker_at_capacity(person: Any) -> bool:
    """Whether ``person`` has no introductions left to broker this month (for path cards)."""
    from people.introductions import brokers_at_capacity

    if person is None:
        return False
    return person.pk in brokers_at_capacity([person.pk])
