"""URLs of the mail app; the web project includes them with ``path("", include("horetsu.mail.urls"))``."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from horetsu.mail.views import open_view, unsubscribe_view

urlpatterns = [
    path("u/<str:token>", login_not_required(unsubscribe_view), name="mail-unsubscribe"),
    path("o/<str:token>", login_not_required(open_view), name="mail-open"),
]
