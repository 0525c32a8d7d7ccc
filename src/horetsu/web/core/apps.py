from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "horetsu.web.core"
    label = "horetsu_core"
    verbose_name = "horetsu"
    default_auto_field = "django.db.models.BigAutoField"
