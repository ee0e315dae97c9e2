"""How every form is laid out (GOV.UK Design System, through crispy-forms-gds), and the
sign-in form."""

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fixed, Layout, Size, Submit
from django.contrib.auth.forms import AuthenticationForm


def form_helper(*layout: Any) -> FormHelper:
    """A form's crispy helper: its fields (and buttons, where the layout gives them) in
    order, with small labels and legends. No `<form>` tag: the template writes it, with the
    CSRF token and any buttons the layout leaves out. Every form's `self.helper` is one."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True  # the template's <form> has the token
    helper.label_size = Size.SMALL
    helper.legend_size = Size.SMALL
    helper.layout = Layout(*layout)
    return helper


def affixed_input(
    name: str, *, width: int, prefix: str = "", suffix: str = "", **attrs: Any
) -> Field:
    """A text input at a GOV.UK fixed width with a prefix ("£") or suffix ("%") beside it, as
    the Design System's "prefixes and suffixes"; errors styled as any other input."""
    return Field(
        name,
        css_class=Fixed.for_input(width),
        template="gds/affixed_field.html",
        context={"prefix": prefix, "suffix": suffix},
        **attrs,
    )


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been deactivated. Ask an administrator to restore it.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username"
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].label = "Password"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = form_helper(
            Field.text("username", field_width=Fixed.TWENTY),
            Field.text("password", field_width=Fixed.TWENTY),
            Submit("submit", "Sign in"),
        )
