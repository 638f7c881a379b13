"""URLs mounted by the platform under ``/oars/`` (``plugin_app['url_config']``), in the LMS and Studio."""

from django.urls import path

from oars_platform import views

app_name = "oars_platform"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("instance/", views.instance_dashboard, name="instance_dashboard"),
    path("instance/reports/<slug:report_name>.json", views.instance_report_data, name="instance_report_data"),
    path("courses/<str:course_key>/", views.course_dashboard, name="course_dashboard"),
    path(
        "courses/<str:course_key>/reports/<slug:report_name>.json",
        views.course_report_data,
        name="course_report_data",
    ),
]
