"""URLs mounted by the platform under ``/oars/`` (``plugin_app['url_config']``), in the LMS and Studio."""

from django.urls import path

from oars_platform import views

app_name = "oars_platform"

urlpatterns = [
    path("health/", views.health, name="health"),
]
