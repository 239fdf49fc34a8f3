"""Audit-log helpers: masking of personal fields, access entries (one record, or every record a
list shows), the confirm step of searches reached by a link, and staff-page permissions."""

from auditlog.cid import get_cid
from auditlog.context import auditlog_value
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

MASK = "•••"
CONFIRM_PARAMETER = "st"  # the query parameter that says the search was typed on our own page
_CONFIRMED = "confirmed_searches"  # session: digests of searches this session confirmed


def mask(value: str) -> str:
    """What the audit log stores for a personal field: whether it had a value, never the value."""
    return MASK if value not in ("", "None") else ""


def search_digest(term: str) -> str:
    """A keyed hash of a search term: the audit log shows that two searches were for the same
    thing, and the DPO can check a given term, but the log never holds what was typed."""
    return salted_hmac("inuvet.audit.search", " ".join(term.lower().split())).hexdigest()[:20]


def log_access(instance, purpose: str = "view", **details) -> None:
    """An access entry: the current staff user (from the request) saw this record's data.

    `purpose` says how: "view" (its page), "search" (in search results), "list", "export".
    """
    LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        additional_data={"purpose": purpose, **details},
    )


def log_accesses(instances, purpose: str, *, term: str = "") -> int:
    """One access entry per record a list or search result showed, in one insert.

    The search term is never stored: only its keyed hash (search_digest).
    """
    instances = [instance for instance in instances if instance is not None]
    if not instances:
        return 0
    try:
        context = auditlog_value.get()
    except LookupError:
        context = {}
    actor = context.get("actor")
    details = {"purpose": purpose, **({"search": search_digest(term)} if term.strip() else {})}
    cid = get_cid()
    LogEntry.objects.bulk_create(
        LogEntry(
            content_type=ContentType.objects.get_for_model(instance),
            object_pk=str(instance.pk),
            object_id=instance.pk,
            object_repr=str(instance),
            action=LogEntry.Action.ACCESS,
            additional_data=details,
            cid=cid,
            actor=actor,
            actor_email=getattr(actor, "email", None),
            remote_addr=context.get("remote_addr"),
        )
        for instance in instances
    )
    return len(instances)


def log_view(instances, purpose: str, **details) -> LogEntry | None:
    """One access entry for a page that shows many people at once (the calendar's day or week, the
    printable day list): about the records the page was of (the practitioners whose days were shown,
    "Practitioner #1,2,3"), with what it showed in `details`. None when it showed nobody."""
    instances = [instance for instance in instances if instance is not None]
    if not instances:
        return None
    try:
        context = auditlog_value.get()
    except LookupError:
        context = {}
    actor = context.get("actor")
    pks = [instance.pk for instance in instances]
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(instances[0]),
        object_pk=",".join(str(pk) for pk in pks)[:255],
        object_id=pks[0] if len(pks) == 1 else None,
        object_repr=", ".join(str(instance) for instance in instances)[:255],
        action=LogEntry.Action.ACCESS,
        additional_data={"purpose": purpose, **details},
        cid=get_cid(),
        actor=actor,
        actor_email=getattr(actor, "email", None),
        remote_addr=context.get("remote_addr"),
    )


def require_permission(request, permission: str) -> None:
    """Staff pages outside the admin's model views: what the role does not grant is denied.

    The permission travels with the refusal, so that the 403 page can name the roles that have it.
    """
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


# Searches reached by a link ---------------------------------------------------------------------


def search_token(request) -> str:
    """A value only this session's own search boxes carry: a link from someone else lacks it."""
    return salted_hmac("inuvet.audit.search-token", request.session.session_key or "").hexdigest()[:20]


def confirm_search(request, term: str):
    """The confirm step of a GET search (`?q=`) that lists personal data and writes access entries.

    A search typed in our own box carries the session's token: it is remembered for this session
    and the URL is cleaned of the token (a redirect). The same search again (paging, filters) goes
    on. Any other (a link someone sent) gets a page that asks first, so that nobody's searches of
    strangers are logged under your name by a click. Returns a response, or None to go on.
    """
    term = term.strip()
    if not term:
        return None
    digest = search_digest(term)
    confirmed = request.session.get(_CONFIRMED, [])
    given = request.GET.get(CONFIRM_PARAMETER, "")
    if given and constant_time_compare(given, search_token(request)):
        if digest not in confirmed:
            request.session[_CONFIRMED] = [*confirmed, digest][-50:]
        query = request.GET.copy()
        del query[CONFIRM_PARAMETER]
        return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
    if digest in confirmed:
        return None
    from django.contrib import admin

    query = request.GET.copy()
    query[CONFIRM_PARAMETER] = search_token(request)
    return TemplateResponse(
        request,
        "admin/confirm_search.html",
        {
            **admin.site.each_context(request),
            "title": _("Search the register?"),
            "term": term,
            "params": sorted(query.lists()),
            "cancel_url": request.path,
        },
    )


class ConfirmedSearch:
    """ModelAdmin mixin for lists of personal data: searches reached by a link are confirmed first,
    and every page shown leaves an access entry per record (`list_access_purpose`; searches
    "search")."""

    confirms_searches = True
    list_access_always = True  # False: only searched lists are logged (their rows hold no person)

    def changelist_view(self, request, extra_context=None):
        term = request.GET.get("q", "")
        response = confirm_search(request, term)
        if response is not None:
            return response
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and (term.strip() or self.list_access_always):
            log_accesses(
                self.accessed_records(changelist.result_list), "search" if term.strip() else "list", term=term
            )
        return response

    def accessed_records(self, rows):
        """The records whose personal data a page of the list shows (default: the rows)."""
        return list(rows)
