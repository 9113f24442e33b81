import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from . import login_limits


class SignUpForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ("username",)


class LoginLimitMixin:
    """Sign-in under accounts.login_limits: each attempt reserved before its password is checked, and
    refused, unchecked, while its (address, username) pair or its address is locked out; only a wrong
    username or password stays counted."""

    retry_after_s = 0  # > 0: refused as locked out; the site's view answers 429

    def clean(self) -> dict:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:  # a field is missing: no password is checked
            return super().clean()
        attempt = login_limits.reserve(self.request, username)
        if attempt.retry_after_s:
            self.retry_after_s = attempt.retry_after_s
            minutes = math.ceil(self.retry_after_s / 60)
            raise forms.ValidationError(
                f"Too many failed sign-in attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                code="locked_out",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            # Counted only when authenticate() found no user with that password. Not by the error's code:
            # AdminAuthenticationForm refuses a right password of a non-staff user as "invalid_login" too.
            if self.user_cache is None:
                attempt.failed()
            else:  # the right password, of a user who may not sign in here (inactive, or not staff)
                attempt.give_back()
            raise
        except BaseException:
            attempt.give_back()
            raise
        attempt.succeeded()
        return cleaned


class LimitedAuthenticationForm(LoginLimitMixin, AuthenticationForm):
    pass


class LimitedAdminAuthenticationForm(LoginLimitMixin, AdminAuthenticationForm):
    pass
