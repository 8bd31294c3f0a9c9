from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People and ties"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from people.audit import register_sqlite_function

        # The audit log's append-only triggers ask this function on SQLite.
        connection_created.connect(register_sqlite_function, dispatch_uid="smallbatch_audit_sql")
