from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language


def cancellation_terms() -> str:
    """The practice's cancellation terms in the active language (Finnish when that one is empty)."""
    terms = settings.CANCELLATION_TERMS
    return terms.get((get_language() or "fi")[:2]) or terms.get("fi", "")


def practice(request):
    """The controller's details, shown in every page's footer, the practice's colour rule and the
    cancellation terms."""
    return {
        "practice": settings.PRACTICE,
        "practice_style": settings.PRACTICE_STYLE,
        "cancellation_terms": SimpleLazyObject(cancellation_terms),
    }
