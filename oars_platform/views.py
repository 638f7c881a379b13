"""HTTP views of the plugin: pipeline health for operators (dashboards join here later)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from oars_platform.clickhouse import ClickHouseError, get_client


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """ClickHouse reachability for global staff; a 404 for everyone else, so the endpoint reveals nothing."""
    if not (request.user.is_authenticated and request.user.is_staff):
        return JsonResponse({"detail": "Not found."}, status=404)
    try:
        client = get_client()
        version = client.server_version()
    except ClickHouseError as exc:
        return JsonResponse({"clickhouse": "unavailable", "error": type(exc).__name__}, status=503)
    return JsonResponse({"clickhouse": "ok", "server_version": version, "url": client.display_url})
