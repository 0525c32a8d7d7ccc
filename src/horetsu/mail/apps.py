from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "horetsu.mail"
    label = "horetsu_mail"
    verbose_name = "horetsu step mails"
    default_auto_field = "django.db.models.BigAutoField"
