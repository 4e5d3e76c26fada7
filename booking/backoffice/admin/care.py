"""The care loop in the back office: session records (locked 24 hours after the session, then
dated addenda), treatment plans, and the owner's log of who read or changed them.

Readable by the treating therapist (their own rows: `therapist_path`) and the owner only; the
front desk holds no permission on them (booking.backoffice.roles). Every view of a record or
plan, by page or history, is written to the access log."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone

from booking.aftercare import HOME_CARE_CHOICES
from booking.backoffice.roles import RoleAdmin, StackedInline, limit_to_own
from booking.exceptions import RecordLocked
from booking.models import AccessLog, Appointment, SessionAddendum, SessionRecord, TreatmentPlan
from booking.models.care import AREAS, MOVEMENTS, TECHNIQUES
from booking.services.care import (
    add_addendum,
    log_access,
    save_session_record,
    save_treatment_plan,
)

RECENT = timedelta(days=60)


class LoggedReads(RoleAdmin):
    """Each view of one row (its page, its history, a past version) is logged."""

    therapist_path = "appointment__therapist"
    appointment_choices = Appointment.objects.none()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.visible_object(request, object_id)
        if request.method == "GET":
            log_access(user=request.user, action=AccessLog.Action.VIEWED, obj=obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.visible_object(request, object_id)
        log_access(user=request.user, action=AccessLog.Action.HISTORY, obj=obj)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.visible_object(request, object_id)
        if request.method == "GET":
            log_access(user=request.user, action=AccessLog.Action.HISTORY, obj=obj)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # health records are kept (erasing a client removes them)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "appointment":
            # Sessions that have taken place lately (the appointment's page links here with it
            # chosen): a list the therapist can read, not every booking the clinic ever had.
            now = timezone.now()
            sessions = Appointment.objects.exclude(status=Appointment.Status.CANCELLED).filter(
                start__lte=now, start__gte=now - RECENT
            )
            kwargs["queryset"] = limit_to_own(request.user, sessions, "therapist").select_related(
                "client", "therapist", "option__service"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["appointment"] if obj is not None else []

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("appointment__client", "appointment__therapist")
        )

    @admin.display(description="Client", ordering="appointment__client__name")
    def client(self, obj) -> str:
        return obj.appointment.client.name

    @admin.display(description="Session", ordering="appointment__start")
    def session(self, obj) -> str:
        return str(obj.appointment)


class SessionRecordForm(forms.ModelForm):
    areas_treated = forms.MultipleChoiceField(
        choices=AREAS, required=False, widget=forms.CheckboxSelectMultiple
    )
    techniques = forms.MultipleChoiceField(
        choices=TECHNIQUES, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = SessionRecord
        fields = ["appointment", "shoulder_height", "head_position", "hip_level",
                  *MOVEMENTS, "areas_treated", "techniques", "pressure", "notes"]  # fmt: skip


class AddendumInline(StackedInline):
    """Dated notes: added, never changed or deleted."""

    therapist_path = "record__appointment__therapist"
    model = SessionAddendum
    fields = ["text", "written_by", "created_at"]
    readonly_fields = ["written_by", "created_at"]
    extra = 1
    can_delete = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields


@admin.register(SessionRecord)
class SessionRecordAdmin(LoggedReads):
    form = SessionRecordForm
    inlines = [AddendumInline]
    list_display = ["session", "client", "locked"]
    ordering = ["-appointment__start"]  # the latest session first
    list_select_related = ["appointment__client", "appointment__therapist"]
    search_fields = ["appointment__client__name"]
    allow_revert = False  # a record changes only through its service (the 24-hour lock)
    fieldsets = [
        (None, {"fields": ["appointment"]}),
        ("Posture", {"fields": ["shoulder_height", "head_position", "hip_level"]}),
        ("Range of motion", {"fields": ["rom_forward_bend", "rom_backward_bend", "rom_side_bend",
                                        "rom_twist", "rom_neck_turn", "rom_arm_raise"]}),
        ("Treatment", {"fields": ["areas_treated", "techniques", "pressure", "notes"]}),
    ]  # fmt: skip

    @admin.display(boolean=True, description="Locked")
    def locked(self, record: SessionRecord) -> bool:
        return record.is_locked()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_locked():
            return [field for _, options in self.fieldsets for field in options["fields"]]
        return super().get_readonly_fields(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None and obj.is_locked() else []

    def save_model(self, request, obj, form, change) -> None:
        if change and not form.changed_data:
            return
        try:
            save_session_record(record=obj, by=request.user)
        except RecordLocked as error:
            self.message_user(request, error.message, messages.ERROR)

    def save_formset(self, request, form, formset, change) -> None:
        for addendum in formset.save(commit=False):
            if addendum.pk is None and addendum.text.strip():
                add_addendum(record=form.instance, text=addendum.text, by=request.user)


class TreatmentPlanForm(forms.ModelForm):
    home_care = forms.MultipleChoiceField(
        choices=HOME_CARE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Home care from the guide",
    )
    activities = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, up to three: the activities the client scores at each visit. "
        "Left empty, those the client named at this session's intake.",
    )

    class Meta:
        model = TreatmentPlan
        fields = ["appointment", "focus", "sessions_planned", "interval_days", "home_care",
                  "own_advice", "activities"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["activities"] = "\n".join(self.instance.activities)

    def clean_activities(self) -> list[str]:
        names = [" ".join(line.split()) for line in self.cleaned_data["activities"].splitlines()]
        names = [name for name in names if name]
        if len(names) > 3:
            raise forms.ValidationError("Up to three activities, please.")
        return names


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(LoggedReads):
    form = TreatmentPlanForm
    list_display = ["session", "client", "focus", "sessions_planned", "interval_days"]
    ordering = ["-appointment__start"]
    list_select_related = ["appointment__client", "appointment__therapist"]
    search_fields = ["appointment__client__name"]
    allow_revert = False  # a plan changes only through its service (logged)
    fields = ["appointment", "focus", "sessions_planned", "interval_days", "home_care",
              "own_advice", "activities"]  # fmt: skip

    def save_model(self, request, obj, form, change) -> None:
        save_treatment_plan(plan=obj, by=request.user)


@admin.register(AccessLog)
class AccessLogAdmin(RoleAdmin):
    """Who read or changed a health record: the owner's to read, nobody's to change."""

    list_display = ["at", "user", "action", "what", "object_id", "appointment"]
    list_filter = ["action", "what"]
    list_select_related = ["user", "appointment__client", "appointment__therapist",
                           "appointment__option__service"]  # fmt: skip
    search_fields = ["user__username"]
    date_hierarchy = "at"
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
