"""Forms as crispy lays them out, rendered once per process while they are empty.

crispy renders a template per field, milliseconds a form; an unbound form with the same initial
values comes out the same for every visitor (no CSRF token inside: the helpers leave it to the
page), so it is kept until the catalog changes (its choices come from services and settings).
A bound form, with what someone typed and its errors, is always rendered afresh."""

from crispy_forms.utils import render_crispy_form
from django import forms, template
from django.utils.safestring import SafeString, mark_safe

from focusedcare.cache import CATALOG, remembered

register = template.Library()


@register.simple_tag
def crispy_once(form: forms.BaseForm, helper_name: str = "helper") -> SafeString:
    """{% crispy form %} (or {% crispy form form.<helper_name> %}), kept while the form is empty."""
    helper = getattr(form, helper_name, None)
    if form.is_bound:
        return render_crispy_form(form, helper)
    initial = tuple(
        (name, repr(form.get_initial_for_field(field, name))) for name, field in form.fields.items()
    )
    kind = (type(form).__module__, type(form).__qualname__, helper_name, form.prefix)
    key = ("crispy", *kind, initial)
    html = remembered(key, lambda: str(render_crispy_form(form, helper)), CATALOG)
    return mark_safe(html)  # nosec B308, B703 # crispy's own escaped output, kept as a string
