"""Introductions: a double opt-in workflow from a path to a meeting (issue 4).

- ``services``: the request and the transitions (each checks who may act, locks the row, is
  idempotent and writes the history);
- ``outcomes``: whether they met, and the tie a meeting creates or strengthens;
- ``expiry``: the beat task's expiries and reminders;
- ``selectors``: reads given the viewer; ``present``: what one viewer may see of one.

The public names are re-exported here.
"""

from people.introductions.expiry import introduction_expire_due
from people.introductions.outcomes import introduction_record_outcome, tie_from_introduction
from people.introductions.selectors import (
    broker_capacity_left,
    broker_load_this_month,
    broker_used_this_month,
    brokers_at_capacity,
    introduction_counts_by_state,
    introduction_get_for,
    introduction_list_for,
    introduction_list_stale,
    introduction_median_days_to_decision,
    introduction_visibility_q,
    introduction_waiting_count,
)
from people.introductions.services import (
    IntroductionStateError,
    introduction_accept,
    introduction_decline,
    introduction_forward,
    introduction_request,
    introduction_withdraw,
)

__all__ = [
    "IntroductionStateError",
    "broker_capacity_left",
    "broker_load_this_month",
    "broker_used_this_month",
    "brokers_at_capacity",
    "introduction_accept",
    "introduction_counts_by_state",
    "introduction_decline",
    "introduction_expire_due",
    "introduction_forward",
    "introduction_get_for",
    "introduction_list_for",
    "introduction_list_stale",
    "introduction_median_days_to_decision",
    "introduction_record_outcome",
    "introduction_request",
    "introduction_visibility_q",
    "introduction_waiting_count",
    "introduction_withdraw",
    "tie_from_introduction",
]
