from django.contrib.auth import views as auth_views
from django.urls import path

from . import tokens, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("tokens/", tokens.tokens, name="api_tokens"),
    path("tokens/create/", tokens.create_token, name="api_token_create"),
    path("tokens/revoke/", tokens.revoke_token, name="api_token_revoke"),
]
