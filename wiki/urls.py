from django.contrib import admin
from django.urls import include, path

from api.core.view import WikiGraphQLView
from wiki import views

urlpatterns = [
    path("_graphql", WikiGraphQLView.as_view(), name="graphql"),
    path(".well-known/jwk.json", views.jwk_json, name="jwk-json"),
    path(".well-known/jwk.pem", views.jwk_pem, name="jwk-pem"),
    # Before admin/: the admin's catch-all would otherwise answer this URL.
    path("admin/api-access/", include("accounts.admin_views")),
    path("admin/mail-settings/", include("wiki.admin_views")),
    path("admin/", admin.site.urls),
    path("", views.home, name="home"),
]
