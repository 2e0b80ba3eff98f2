from django.urls import path

from search.api.views import SearchView, SuggestView

app_name = "search_api"

urlpatterns = [
    path("search", SearchView.as_view(), name="search"),
    path("search/suggest", SuggestView.as_view(), name="suggest"),
]
