"""The calendar grid's rows as HTML, written here rather than in a template: a day holds a few
hundred quarter-hour cells, and template tags (a `{% url %}` and three `|time` filters per free
cell) were two thirds of the back office's busiest page. The markup is the one
`templates/admin/booking/_grid.html` wraps; what each cell means is `booking.backoffice.calendar`.
"""

from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from booking.availability import wall_clock
from booking.backoffice.calendar import Cell, Grid
from booking.models import Appointment


def intake_state(appointment: Appointment, show_health: bool) -> SafeString:
    """An appointment's intake for every role that sees it: done, missing, or a red flag
    (whether a doctor cleared it only for staff who may read intakes)."""
    state = appointment.intake_state
    if state == "red_flag":
        cleared = " cleared" if show_health and appointment.intake.cleared_by_doctor else ""
        inner = format_html(
            '<span class="fc-flag" title="Red flag in the intake">⚑{}</span> red flag', cleared
        )
    else:
        inner = "Intake done" if state == "done" else "Intake missing"
    return format_html('<span class="fc-intake fc-intake-{}">{}</span>', state, inner)


def grid_rows(grid: Grid, *, can_book: bool, show_health: bool) -> SafeString:
    """The grid's `<tr>`s; free cells are links to book only for staff who may book. Plain
    f-strings over escaped values: format_html's per-argument cost, times a few hundred cells,
    was most of the time left."""
    zone = timezone.get_current_timezone()
    booking_url = escape(reverse("backoffice:phone_booking"))
    minutes = int(grid.minutes)
    names = {c.therapist.pk: escape(c.therapist.name) for c in grid.columns}

    def cell_html(cell: Cell) -> str:
        kind = cell.kind
        if kind == "appointment":
            return _appointment(cell, show_health)
        if kind == "free":
            local = cell.start.astimezone(zone)
            at = f"{local:%-I:%M %p}"
            if not can_book:
                return f'<td class="fc-free"><span class="visually-hidden">Free at {at}</span></td>'
            pk = int(cell.therapist.pk)
            name = names[pk]
            return (
                f'<td class="fc-free"><a href="{booking_url}?therapist={pk}&amp;start='
                f'{local:%Y-%m-%dT%H:%M}&amp;minutes={minutes}" title="Book {name} at {at} for '
                f'{minutes} minutes"><span class="visually-hidden">Book {name} at {at}</span>'
                "</a></td>"
            )
        if kind == "nostart":
            return f'<td class="fc-nostart" title="{escape(cell.label)}"></td>'
        if kind == "off":
            return f'<td class="fc-off">{escape(cell.label)}</td>'
        return f'<td class="fc-{escape(kind)}"></td>'  # closed, outside: no text

    rows = (
        f'<tr>\n<th scope="row" class="fc-time">{escape(row.label)}</th>'
        + "".join(cell_html(c) for c in row.cells if c is not None)
        + "</tr>"
        for row in grid.rows
    )
    return mark_safe("\n".join(rows))  # nosec B308, B703 # every value above is escaped


def _appointment(cell: Cell, show_health: bool) -> SafeString:
    appointment = cell.appointment
    note = appointment.typed_details_note
    return format_html(
        '<td rowspan="{}" class="fc-appt fc-{}">\n'
        '<a href="{}">\n<strong class="fc-when">{}–{}</strong>\n'
        '<span class="fc-who">{}</span>\n{}'
        '<span class="fc-what">{}, {} min</span>\n</a>\n'
        '<span class="fc-status">{}</span>\n{}\n</td>',
        cell.rowspan,
        appointment.status,
        reverse("admin:booking_appointment_change", args=[appointment.pk]),
        f"{timezone.localtime(appointment.start):%-I:%M}",
        wall_clock(appointment.end),
        appointment.client.name,
        format_html('<span class="fc-typed-note">{}</span>\n', note) if note else "",
        appointment.option.service.name,
        appointment.option.duration_minutes,
        appointment.get_status_display(),
        intake_state(appointment, show_health),
    )
