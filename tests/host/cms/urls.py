"""Stand-in Studio URLconf: the admin, a heartbeat, and every plugin's ``url_config`` for Studio."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import path
from edx_django_utils.plugins import get_plugin_url_patterns
from openedx.core.djangoapps.plugins.constants import ProjectType


def heartbeat(request: HttpRequest) -> JsonResponse:
    """Cheap liveness view, like the platform's ``/heartbeat``."""
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("heartbeat", heartbeat, name="heartbeat"),
]

urlpatterns.extend(get_plugin_url_patterns(ProjectType.CMS))
