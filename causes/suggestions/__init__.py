"""Small-batch group suggestions and weaving suggestions: compute, store, change and read.

- :mod:`causes.suggestions.compute` turns the database and the resident graph into the pure
  engine's inputs (:mod:`network_app.graph.groups`, :mod:`network_app.graph.weaving`) and stores
  the results of one :class:`causes.models.SuggestionRun`;
- :mod:`causes.suggestions.services` holds every write (start a run, convene, dismiss, record
  an outcome, "not for me"), with permission checks and the audit log;
- :mod:`causes.suggestions.selectors` holds every read, always given the viewer: a member only
  ever sees suggestions that include them; organizers see suggestions per cause and
  neighbourhood; a suggestion naming someone who has since hidden, opted out or asked not to be
  contacted is not shown to anybody.
"""
