from django.apps import AppConfig


class NpsConfig(AppConfig):
    """The survey store of the web app (``horetsu.nps.models``), in the operational database."""

    name = "horetsu.nps"
    label = "horetsu_nps"
    verbose_name = "horetsu NPS survey answers"
    default_auto_field = "django.db.models.BigAutoField"
