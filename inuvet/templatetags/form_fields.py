"""The public forms' fields, drawn by one small template of our own (templates/_form_fields.html).

Django puts the accessibility in (required, aria-invalid, aria-describedby naming the help text
and the errors); this adds only the classes the stylesheet knows. It replaced crispy-forms, which
drew the same markup through a dozen templates per field: half of a details form's time.
"""

from django import template
from django.forms import BoundField, CheckboxInput, Select

register = template.Library()


def _css_class(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, CheckboxInput):
        kind = "form-check-input"
    elif isinstance(widget, Select):  # and SelectMultiple, its subclass
        kind = "form-select"
    else:
        kind = "form-control"
    return f"{kind} is-invalid" if field.errors else kind


@register.filter
def styled(field: BoundField) -> str:
    """The field's widget with the stylesheet's classes next to any it has of its own."""
    own = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{own} {_css_class(field)}".strip()})


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, CheckboxInput)
