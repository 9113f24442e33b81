import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from . import login_limits


class SignUpForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ("username",)


class LoginLimitMixin:
    """Sign-in under accounts.login_limits: refused, before any password check, while the client's
    address or the username is locked out; each failure counted, a success clearing the username's."""

    retry_after_s = 0  # > 0: refused as locked out; the view answers 429

    def clean(self) -> dict:
        username = self.cleaned_data.get("username") or ""
        self.retry_after_s = login_limits.retry_after_s(self.request, username)
        if self.retry_after_s:
            minutes = math.ceil(self.retry_after_s / 60)
            raise forms.ValidationError(
                f"Too many failed sign-in attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                code="locked_out",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_limits.record_failure(self.request, username)
            raise
        if self.get_user() is not None:  # None: a field was missing, so nothing was checked
            login_limits.record_success(self.request, username)
        return cleaned


class LimitedAuthenticationForm(LoginLimitMixin, AuthenticationForm):
    pass


class LimitedAdminAuthenticationForm(LoginLimitMixin, AdminAuthenticationForm):
    pass
