"""The steps of the booking flow, in order. The indicator on every booking page reads this one list:
a new step is one more line here and its link in the views that know it."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Step:
    key: str
    label: str


STEPS = [
    Step("service", _("Animal and service")),  # the species is chosen on the same page
    Step("time", _("Time")),
    Step("details", _("Details")),
    Step("done", _("Done")),
]


def progress(current: str, links: dict[str, str] | None = None) -> list[dict]:
    """Every step with its number and state ("done", "current" or "todo"); a done step with a
    link in `links` (step key → URL) is a link back to it."""
    keys = [step.key for step in STEPS]
    here = keys.index(current)
    links = links or {}
    return [
        {
            "number": number,
            "label": step.label,
            "state": "done" if index < here else "current" if index == here else "todo",
            "url": links.get(step.key, "") if index < here else "",
        }
        for index, (number, step) in enumerate(enumerate(STEPS, start=1))
    ]
