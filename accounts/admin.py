"""The admin's sign-in counts and refuses failures like the site's, or it would be a way around the limit."""

from django.contrib import admin

from .forms import LimitedAdminAuthenticationForm

admin.site.login_form = LimitedAdminAuthenticationForm
