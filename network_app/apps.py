from django.apps import AppConfig


class NetworkAppConfig(AppConfig):
    name = "network_app"
    verbose_name = "Smallbatch"

    def ready(self) -> None:
        from network_app import lookups

        lookups.register()
