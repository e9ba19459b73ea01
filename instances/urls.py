from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import data, files, people
from .api import views as api
from .cloud import agent
from .jupyter.views import open_jupyter
from .pages import doi, home, instance, launch, sharing, support
from .pages.help import help_page  # by name: the module's would hide the builtin help()

router = SimpleRouter(use_regex_path=False)
router.register("api/instances", api.InstanceViewSet, basename="api-instance")
router.register("api/instances/<uuid:uuid>/share-tokens", api.ShareTokenViewSet, basename="api-share-token")
router.register("api/instances/<uuid:uuid>/experiments", data.AttachedDataViewSet, basename="api-attached")
router.register("api/instances/<uuid:uuid>/members", people.MemberViewSet, basename="api-member")
router.register("api/instances/<uuid:uuid>/sessions", people.SessionViewSet, basename="api-session")
router.register("api/clouds", api.CloudViewSet, basename="api-cloud")
router.register("api/images", api.ImageViewSet, basename="api-image")
router.register("api/flavours", api.FlavourViewSet, basename="api-flavour")

urlpatterns = [
    path("", home.home, name="home"),
    path("support", support.support, name="support"),
    path("help", help_page, name="help"),
    path("doi/<path:doi>", doi.doi_landing, name="doi"),
    path("instances/launch", launch.launch, name="launch"),
    path("instances/new", launch.new, name="new-instance"),
    path("instances/new/options", launch.new_options, name="new-instance-options"),
    path("instances/new/placement", launch.new_placement, name="new-instance-placement"),
    path("instances/new/search", launch.new_search, name="new-instance-search"),
    path("instances/new/pick/<int:pk>", launch.new_pick, name="new-instance-pick"),
    path("instances/<uuid:uuid>/", instance.detail, name="instance"),
    path("instances/<uuid:uuid>/status", instance.status, name="instance-status"),
    path("instances/<uuid:uuid>/jupyter", open_jupyter, name="instance-jupyter"),
    path("instances/<uuid:uuid>/thumbnail", instance.thumbnail, name="instance-thumbnail"),
    *[path(f"instances/<uuid:uuid>/{action}", instance.act, {"action": action}, name=f"instance-{action}")
      for action in instance.ACTIONS],
    path("instances/<uuid:uuid>/extend", instance.extend, name="instance-extend"),
    path("instances/<uuid:uuid>/attach", instance.attach, name="instance-attach"),
    path("instances/<uuid:uuid>/detach", instance.detach, name="instance-detach"),
    path("api/agent/mounts", agent.mounts, name="agent-mounts"),
    path("api/quota/", api.MyQuota.as_view(), name="api-quota"),
    path("api/instances/<uuid:uuid>/files/", files.FileList.as_view(), name="api-files"),
    path("api/instances/<uuid:uuid>/files/download", files.FileDownload.as_view(), name="api-files-download"),
    path("api/instances/<uuid:uuid>/files/upload", files.FileUpload.as_view(), name="api-files-upload"),
    path("instances/<uuid:uuid>/sharing", sharing.overview, name="sharing"),
    path("instances/<uuid:uuid>/links", sharing.create_link, name="link-create"),
    path("instances/<uuid:uuid>/links/<int:pk>/revoke", sharing.revoke_link, name="link-revoke"),
    path("instances/<uuid:uuid>/links/clear", sharing.clear_links, name="links-clear"),
    path("instances/<uuid:uuid>/sessions/<int:pk>/kick", sharing.kick, name="session-kick"),
    path("instances/<uuid:uuid>/members", sharing.add_member, name="member-add"),
    path("instances/<uuid:uuid>/members/<int:pk>/access", sharing.member_access, name="member-access"),
    path("instances/<uuid:uuid>/members/<int:pk>/remove", sharing.remove_member, name="member-remove"),
    path("instances/<uuid:uuid>/blocked/<int:pk>/unblock", sharing.unblock, name="member-unblock"),
    path("instances/<uuid:uuid>/lock", sharing.lock, name="room-lock"),
    path("instances/<uuid:uuid>/requests/<int:pk>/answer", sharing.answer_request, name="request-answer"),
    path("instances/<uuid:uuid>/request-access", sharing.request_access, name="request-access"),
    path("join/<str:secret>", sharing.join, name="join"),
    *router.urls,
]
