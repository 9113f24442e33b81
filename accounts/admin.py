"""The admin's sign-in counts and refuses failures like the site's, or it would be a way around the limit.
Its view is Django's: a locked-out attempt gets the page again (200) with the same message, no 429."""

from django.contrib import admin

from .forms import LimitedAdminAuthenticationForm

admin.site.login_form = LimitedAdminAuthenticationForm
