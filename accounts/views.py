from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .forms import LimitedAuthenticationForm, SignUpForm


class LoginView(auth_views.LoginView):
    """Django's sign-in page, its attempts limited (accounts.login_limits); a locked-out attempt gets 429."""

    form_class = LimitedAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: LimitedAuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.retry_after_s:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after_s)
        return response


@login_not_required
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("videos:list")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        return redirect("videos:list")
    return render(request, "accounts/signup.html", {"form": form})
