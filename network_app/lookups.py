"""``__in`` on integer columns ignores ids outside the column's range.

Django already answers "no match" for ``pk=10**20`` (exact and comparison lookups check the
backend's integer range), but not for ``pk__in=[10**20]``: SQLite raises OverflowError (a
500) when a form field such as ``ModelMultipleChoiceField`` or the admin's autocomplete widget
looks up a posted id that large, and an id that is not a number ("abc", "1e309") raises
ValueError while the admin re-renders its autocomplete widget. An id no column can hold matches
nothing, so it is dropped from the list (an empty list matches nothing, as Django does for
``__in=[]``)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.lookups import In


class RangeCheckedIn(In):
    def get_prep_lookup(self) -> Any:
        # Posted text that is not an integer at all ("abc", "1e309") matches nothing either,
        # instead of raising ValueError while the query is built. Only text: any other wrong
        # type (a model instance, say) is a programming error and still raises.
        if self.rhs_is_direct_value() and self.prepare_rhs and not isinstance(self.rhs, str):
            field = self.lhs.output_field
            kept = []
            for value in self.rhs:
                if isinstance(value, str):
                    try:
                        field.get_prep_value(value)
                    except ValueError:
                        continue
                kept.append(value)
            self.rhs = kept
        return super().get_prep_lookup()

    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        if self.rhs_is_direct_value():
            try:
                low, high = connection.ops.integer_field_range(
                    self.lhs.output_field.get_internal_type()
                )
            except KeyError:  # a column type without a known range: leave the list alone
                return super().process_rhs(compiler, connection)
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


def register() -> None:
    models.IntegerField.register_lookup(RangeCheckedIn)
