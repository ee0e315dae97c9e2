from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from bury_hc.forms import SignInForm
from bury_hc.health import HealthView
from bury_hc.uploads import FileUploadProgressView

admin.site.site_header = "Bury locality plan monitor: administration"
admin.site.site_title = "Bury locality plan monitor"

urlpatterns = [
    path("", include("board.urls")),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("programmes/", include("programmes.urls")),
    path("performance/", include("performance.urls")),
    path("finance/", include("finance.urls")),
    path("scrutiny/", include("scrutiny.urls")),
    path("uploads/<int:pk>/", FileUploadProgressView.as_view(), name="upload_progress"),
    path("admin/", admin.site.urls),
    path("healthz", login_not_required(HealthView.as_view()), name="healthz"),
]
