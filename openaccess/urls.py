from django.urls import path

from . import views

urlpatterns = [
    path("doi/<path:doi>", views.doi_landing, name="doi"),
    path("search", views.search_page, name="search"),
]
