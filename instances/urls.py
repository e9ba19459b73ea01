from django.urls import path
from rest_framework.routers import SimpleRouter

from . import agent, api, sharing_views, views

router = SimpleRouter(use_regex_path=False)
router.register("api/instances", api.InstanceViewSet, basename="api-instance")
router.register("api/instances/<uuid:uuid>/share-tokens", api.ShareTokenViewSet, basename="api-share-token")
router.register("api/images", api.ImageViewSet, basename="api-image")
router.register("api/flavours", api.FlavourViewSet, basename="api-flavour")

urlpatterns = [
    path("", views.home, name="home"),
    path("instances/launch", views.launch, name="launch"),
    path("instances/new", views.new, name="new-instance"),
    path("instances/new/options", views.new_options, name="new-instance-options"),
    path("instances/new/search", views.new_search, name="new-instance-search"),
    path("instances/new/pick/<int:pk>", views.new_pick, name="new-instance-pick"),
    path("instances/<uuid:uuid>/", views.detail, name="instance"),
    path("instances/<uuid:uuid>/status", views.status, name="instance-status"),
    path("instances/<uuid:uuid>/thumbnail", views.thumbnail, name="instance-thumbnail"),
    *[path(f"instances/<uuid:uuid>/{action}", views.act, {"action": action}, name=f"instance-{action}")
      for action in views.ACTIONS],
    path("instances/<uuid:uuid>/extend", views.extend, name="instance-extend"),
    path("instances/<uuid:uuid>/attach", views.attach, name="instance-attach"),
    path("instances/<uuid:uuid>/detach", views.detach, name="instance-detach"),
    path("api/agent/mounts", agent.mounts, name="agent-mounts"),
    path("instances/<uuid:uuid>/sharing", sharing_views.overview, name="sharing"),
    path("instances/<uuid:uuid>/links", sharing_views.create_link, name="link-create"),
    path("instances/<uuid:uuid>/links/<int:pk>/revoke", sharing_views.revoke_link, name="link-revoke"),
    path("instances/<uuid:uuid>/sessions/<int:pk>/kick", sharing_views.kick, name="session-kick"),
    path("instances/<uuid:uuid>/lock", sharing_views.lock, name="room-lock"),
    path("instances/<uuid:uuid>/requests/<int:pk>/answer", sharing_views.answer_request, name="request-answer"),
    path("instances/<uuid:uuid>/request-access", sharing_views.request_access, name="request-access"),
    path("join/<str:secret>", sharing_views.join, name="join"),
    *router.urls,
]
