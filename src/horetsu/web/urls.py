"""The URL map. Every URL needs a login and a role except those marked public in views.

tests/web/test_permissions.py walks this map: a URL added here without a row in its
expected-status table fails that test.
"""

from django.urls import include, path

from horetsu.web.core import errors
from horetsu.web.views import (account, analysis, campaign, customers, diagnosis, imports, nps, pages,
                               settings_page, survey)
from horetsu.web.views import mail as mail_views

urlpatterns = [
    path("healthz", account.healthz, name="healthz"),
    path("login", account.login_view, name="login"),
    path("logout", account.logout_view, name="logout"),
    path("lang", account.set_lang, name="lang"),
    path("password", account.password_view, name="password"),
    path("", pages.home, name="home"),
    path("today", pages.today, name="today"),
    path("stages", pages.stages, name="stages"),
    path("customers", customers.customer_list, name="customers"),
    path("customers/<str:customer_id>", customers.customer_detail, name="customer"),
    path("customers/<str:customer_id>/tactics", customers.customer_tactics, name="customer_tactics"),
    path("campaign", campaign.campaign, name="campaign"),
    path("campaign/<int:pk>", campaign.campaign_result, name="campaign_result"),
    path("campaign/<int:pk>/download", campaign.campaign_download, name="campaign_download"),
    path("campaign/<int:pk>/override", campaign.campaign_override, name="campaign_override"),
    path("import", imports.import_page, name="import"),
    path("import/<int:pk>", imports.import_preview, name="import_preview"),
    path("import/<int:pk>/run", imports.import_run, name="import_run"),
    path("import/quarantine.csv", imports.quarantine_download, name="quarantine"),
    path("jobs/<int:pk>", analysis.job_status, name="job"),
    path("analysis", analysis.analysis_page, name="analysis"),
    path("analysis/run", analysis.analysis_run, name="analysis_run"),
    path("analysis/report", analysis.report_view, name="report"),
    path("analysis/report/download", analysis.report_download, name="report_download"),
    path("settings", settings_page.settings_view, name="settings"),
    path("mail", mail_views.mail_overview, name="mail"),
    path("mail/queue", mail_views.mail_queue, name="mail_queue"),
    path("mail/suppress", mail_views.mail_suppress, name="mail_suppress"),
    path("mail/preview/<str:sequence>/<int:step>", mail_views.mail_preview, name="mail_preview"),
    path("nps", nps.nps_page, name="nps"),
    path("diagnosis", diagnosis.diagnosis_page, name="diagnosis"),
    path("diagnosis/<str:name>", diagnosis.diagnosis_result, name="diagnosis_result"),
    path("nps/texts", nps.nps_texts, name="nps_texts"),
    path("nps/act", nps.nps_act, name="nps_act"),
    path("nps/act/download", nps.nps_act_download, name="nps_act_download"),
    # public: the NPS survey of a signed link (issue 12)
    path("s/<str:token>", survey.survey_view, name="survey"),
    # public: the RFC 8058 one-click unsubscribe (POST) and its page for a person (GET)
    path("", include("horetsu.mail.urls")),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.not_found
handler500 = errors.server_error
