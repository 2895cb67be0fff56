from django.contrib import admin
from django.urls import path

from api.core.view import WikiGraphQLView
from wiki import views

urlpatterns = [
    path("_graphql", WikiGraphQLView.as_view(), name="graphql"),
    path(".well-known/jwk.json", views.jwk_json, name="jwk-json"),
    path(".well-known/jwk.pem", views.jwk_pem, name="jwk-pem"),
    path("admin/", admin.site.urls),
    path("", views.home, name="home"),
]
