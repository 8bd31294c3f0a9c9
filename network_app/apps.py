from django.apps import AppConfig


class NetworkAppConfig(AppConfig):
    name = "network_app"
    verbose_name = "Smallbatch"
