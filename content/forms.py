"""The find-my-massage questionnaire: it checks the shape of the answers; content.recommend and
booking.screening decide what they mean."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms

from booking.forms import TypedTextForm
from booking.screening import RedFlag
from content.recommend import Answers, Area, Duration, Feeling, Trigger

NOTE_LIMIT = 500
UNKNOWN_CHOICE = "Please choose from the answers listed."


def _tick_boxes(choices, *, label: str, help_text: str, required_message: str = ""):
    """A question answered by ticking any of its boxes (at least one if `required_message`)."""
    return forms.MultipleChoiceField(
        choices=choices,
        label=label,
        help_text=help_text,
        required=bool(required_message),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": required_message,
            "invalid_choice": UNKNOWN_CHOICE,
            "invalid_list": UNKNOWN_CHOICE,
        },
    )


class FindMyMassageForm(TypedTextForm):
    areas = _tick_boxes(
        Area.choices,
        label="Where does it hurt?",
        help_text="Tick all that apply.",
        required_message="Please tick at least one place where it hurts.",
    )
    feelings = _tick_boxes(
        Feeling.choices, label="What does it feel like?", help_text="Tick any that fit."
    )
    duration = forms.ChoiceField(
        choices=Duration.choices,
        label="How long has it hurt?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please tell us how long it has hurt.",
            "invalid_choice": UNKNOWN_CHOICE,
        },
    )
    triggers = _tick_boxes(
        Trigger.choices, label="What makes it worse?", help_text="Tick any that fit."
    )
    red_flags = _tick_boxes(
        RedFlag.choices,
        label="Do any of these apply to you?",
        help_text="Some back pain needs a doctor before massage. Tick any that apply to you now.",
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_LIMIT,
        label="Anything else your therapist should know?",
        help_text=f"Optional, up to {NOTE_LIMIT} characters. We don't save it: we show it back to "
        "you with our suggestions, to mention at your assessment.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": "Please keep this to %(limit_value)d characters (it has %(show_value)d)."
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "areas",
            "feelings",
            "duration",
            "triggers",
            Field("red_flags", wrapper_class="red-flag-question"),
            "note",
        )

    def answers(self) -> Answers:
        data = self.cleaned_data
        return Answers(
            areas=frozenset(data["areas"]),
            feelings=frozenset(data["feelings"]),
            duration=data["duration"],
            triggers=frozenset(data["triggers"]),
        )
