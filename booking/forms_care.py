"""The pre-visit intake: the booking flow's intake questions, plus today's pain score, the
activities followed (the Patient-Specific Functional Scale) and a typed-name consent."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms

from booking.forms import IntakeForm, TypedTextForm, person_name
from booking.selectors_care import MAX_ACTIVITIES

# The everyday activities the guide names as triggers of back pain.
TRIGGERS = ["Sitting at a desk", "Driving", "Bending", "Lifting", "Sleeping"]
SCORE_CHOICES = [("", "Choose 0 to 10")] + [(n, str(n)) for n in range(11)]
PAIN_LABEL = "Your pain right now, from 0 (no pain) to 10 (the worst pain imaginable)"


def _score(label: str, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=required,
        label=label,
        error_messages={"required": "Please choose a score from 0 to 10."},
    )


class ScoresMixin:
    """Pain, the activities' scores (or their choice, the first time), and the typed consent."""

    def add_score_fields(self, activities: list[str]) -> list[str]:
        self.activities = activities
        self.fields["pain"] = _score(PAIN_LABEL)
        names = ["pain"]
        if activities:
            for n, name in enumerate(activities, 1):
                self.fields[f"score_{n}"] = _score(
                    f"{name}: how well can you do it today? 0 (cannot) to 10 (as before the pain)"
                )
                names.append(f"score_{n}")
        else:
            for n in range(1, MAX_ACTIVITIES + 1):
                self.fields[f"activity_{n}"] = forms.ChoiceField(
                    choices=[("", "Choose an activity"), *[(t, t) for t in TRIGGERS]],
                    required=False,
                    label=f"Activity {n} that is hard because of your pain",
                )
                self.fields[f"activity_{n}_own"] = forms.CharField(
                    required=False, max_length=80, label=f"Or activity {n} in your own words"
                )
                self.fields[f"activity_{n}_score"] = _score(
                    f"Activity {n}: how well can you do it today? 0 (cannot) to 10 (as before "
                    "the pain)",
                    required=False,
                )
                names += [f"activity_{n}", f"activity_{n}_own", f"activity_{n}_score"]
        self.fields["consent_name"] = forms.CharField(
            max_length=120,
            label="Type your full name to sign",
            help_text="I understand that massage supports recovery but does not replace medical "
            "care, and I agree to an assessment before my session.",
            error_messages={"required": "Please type your name to sign."},
            widget=forms.TextInput(attrs={"autocomplete": "name"}),
        )
        return names

    def clean_consent_name(self) -> str:
        return person_name(self.cleaned_data["consent_name"], "Please type your name to sign.")

    def clean_activities(self, data: dict) -> list[dict]:
        """The activities with today's scores, as the intake stores them."""
        if self.activities:
            return [
                {"name": name, "score": data[f"score_{n}"]}
                for n, name in enumerate(self.activities, 1)
                if data.get(f"score_{n}") is not None
            ]
        chosen = []
        for n in range(1, MAX_ACTIVITIES + 1):
            name = " ".join(
                (data.get(f"activity_{n}_own") or data.get(f"activity_{n}") or "").split()
            )
            score = data.get(f"activity_{n}_score")
            if name and score is None:
                self.add_error(f"activity_{n}_score", "Please score this activity from 0 to 10.")
            elif score is not None and not name:
                self.add_error(f"activity_{n}", "Please choose or describe the activity.")
            elif name and name.casefold() not in {c["name"].casefold() for c in chosen}:
                chosen.append({"name": name, "score": score})
        return chosen


class PreVisitIntakeForm(ScoresMixin, IntakeForm):
    """The booking flow's questions (the same fields and rules) and today's scores."""

    def __init__(self, *args, activities: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        scores = self.add_score_fields(activities)
        self.helper.layout = Layout(
            Fieldset("Your safety", "red_flags", "cleared_by_doctor"),
            Fieldset(
                "About your back",
                "zones",
                "duration",
                "habits",
                "previous_injuries",
                "pressure",
                "goals",
            ),
            Fieldset("Today", *scores[:-1]),
            Fieldset("Consent", "consent_name"),
        )

    def clean(self) -> dict:
        data = super().clean()
        data["activities"] = self.clean_activities(data)
        return data


class UnchangedIntakeForm(ScoresMixin, TypedTextForm):
    """ "Nothing has changed since my last visit": today's scores (filled in with the last ones)
    and the typed consent, in one step."""

    def __init__(self, *args, activities: list[str], legend: str = "Nothing has changed", **kwargs):
        super().__init__(*args, **kwargs)
        names = self.add_score_fields(activities)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Fieldset(legend, *names))

    def clean(self) -> dict:
        data = super().clean()
        data["activities"] = self.clean_activities(data)
        return data
