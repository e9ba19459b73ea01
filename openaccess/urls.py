from django.urls import path

from . import api, views

urlpatterns = [
    path("search", views.search_page, name="search"),
    path("api/experiments/", api.ExperimentSearch.as_view(), name="api-experiments"),
    path("api/experiments/<int:pk>/", api.ExperimentDetail.as_view(), name="api-experiment"),
    path("api/experiments/by-doi/<path:doi>", api.ExperimentByDoi.as_view(), name="api-experiment-by-doi"),
]
