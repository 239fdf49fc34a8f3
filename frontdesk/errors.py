"""The staff site's 403 page: it says which role would open the page, and leads back to the staff
start page (clients' pages keep the public 403 page)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.views import defaults

from inuvet import roles

# What an admin page of a model needs, by the end of its URL name.
_MODEL_PAGES = {"changelist": "view", "change": "view", "history": "view", "add": "add", "delete": "delete"}


def needed_permission(request, exception) -> str:
    """The permission the refused page needs: from the refusal, or from the model page's URL name."""
    if exception is not None and exception.args and "." in str(exception.args[0]):
        return str(exception.args[0])
    match = request.resolver_match
    url_name = getattr(match, "url_name", "") or ""
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"{opts.app_label}_{opts.model_name}_"
        if url_name.startswith(prefix) and url_name[len(prefix) :] in _MODEL_PAGES:
            return f"{opts.app_label}.{_MODEL_PAGES[url_name[len(prefix) :]]}_{opts.model_name}"
    return ""


def permission_denied(request, exception: PermissionDenied | None = None):
    match = request.resolver_match
    user = getattr(request, "user", None)
    if getattr(match, "namespace", "") != "admin" or user is None or not user.is_authenticated:
        return defaults.permission_denied(request, exception)
    permission = needed_permission(request, exception)
    allowed = [roles.label(role) for role in roles.roles_with(permission)] if permission else []
    return TemplateResponse(
        request,
        "admin/403.html",
        {
            **admin.site.each_context(request),
            "title": "",
            "allowed_roles": allowed,
            "your_roles": [roles.label(role) for role in roles.roles_of(user)],
        },
        status=403,
    )
