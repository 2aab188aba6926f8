"""The console's forms: each field checked on the server, each refusal said in the page language."""

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, StopValidation, ValidationError

from dialer.campaigns import is_audio_url
from models import campaign_settings
from models.campaign_settings import Setting
from models.passwords import MIN_STAFF_PASSWORD_LENGTH
from models.phone import InvalidPhone, to_e164
from models.template import MAX_NAME_LENGTH, PLACEHOLDERS, unknown_placeholders
from runtime.i18n import explain

from .language import _ as _text
from .language import lang

MAX_MESSAGE_LENGTH = 1000
MAX_SMS_LENGTH = 1600  # what Twilio carries in one message (10 segments)


def required(form, field):
    """A value must be given."""
    if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
        field.errors[:] = []
        raise StopValidation(_text("console.form.required"))


def max_length(limit):
    def check(form, field):
        if field.data and len(field.data) > limit:
            raise ValidationError(_text("console.form.too_long", limit=limit))

    return check


def between(low, high):
    """A number from LOW to HIGH; blank is allowed (the dialer's default then applies)."""

    def check(form, field):
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(_text("console.form.between", low=low, high=high))

    return check


def audio_url(form, field):
    """Blank, or an http(s) address the provider can fetch a recording from."""
    if field.data and field.data.strip():
        field.data = field.data.strip()
        if not is_audio_url(field.data):
            raise ValidationError(_text("campaign.error.audio_url", value=field.data[:100]))


def phone_number(form, field):
    """A North American number, stored as E.164 (field.data is replaced by it)."""
    if not field.data:
        return
    try:
        field.data = to_e164(field.data)
    except InvalidPhone as exc:
        raise ValidationError(explain(exc, lang())) from None


class IntField(IntegerField):
    """An integer field whose refusal of text is translated too."""

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_text("console.form.integer")) from None


class SettingField(IntField):
    """A campaign setting of the one table (models/campaign_settings.py), in the console's unit
    (the stored value divided by `shown_per`: minutes for the retry delay): its bounds, label
    and help come from the table; blank leaves the dialer's default."""

    def __init__(self, setting: Setting, **kwargs):
        self.setting = setting
        low, high = setting.low // setting.shown_per, setting.high // setting.shown_per
        super().__init__(
            validators=[between(low, high)], render_kw={"min": low, "max": high}, **kwargs
        )

    @property
    def shown_defaults(self) -> dict:
        """The table's defaults in the console's unit (for the help line)."""
        return {
            "default": self.setting.default // self.setting.shown_per,
            "emergency_default": self.setting.default_for(True) // self.setting.shown_per,
        }

    @property
    def stored(self) -> int | None:
        """The value in the table's unit, as the dialer and the database hold it."""
        return None if self.data is None else self.data * self.setting.shown_per


class StaffPasswordField(PasswordField):
    """A staff password: blank, or at least MIN_STAFF_PASSWORD_LENGTH characters (the rule of
    `ivr staff create` too)."""

    min_length = MIN_STAFF_PASSWORD_LENGTH


class SectorsField(SelectMultipleField):
    """Named zones ticked (Sector ids): whole numbers only, each checked by the targeting code
    against the zones that exist when the form is read (one may have been deleted meanwhile)."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, choices=[], validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        self.data = [int(v) for v in valuelist if str(v).isdigit()]
        if len(self.data) != len(valuelist):
            raise ValueError(_text("console.map.unknown_sector"))


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value is translated too."""

    def pre_validate(self, form):
        if self.data not in self.choices:
            raise ValidationError(_text("console.form.choice"))


def clock_time(form, field):
    """Blank (the default applies), or HH:MM on a 24-hour clock (the calling window's ends)."""
    if field.data and field.data.strip():
        field.data = field.data.strip()
        if not re.match(campaign_settings.WINDOW_PATTERN, field.data):
            raise ValidationError(_text("campaign.error.window", value=field.data[:10]))


class PriorityField(ChoiceField):
    """Emergency or normal, chosen on purpose: no default, a missing choice is asked for."""

    def pre_validate(self, form):
        if not self.data:
            raise StopValidation(_text("console.h7.priority_required"))
        super().pre_validate(form)


class LoginForm(FlaskForm):
    email = StringField(validators=[required, max_length(254)])
    password = PasswordField(validators=[required, max_length(200)])


class CampaignForm(FlaskForm):
    title = StringField(validators=[required, max_length(200)])
    message_fr = TextAreaField(validators=[required, max_length(MAX_MESSAGE_LENGTH)])
    message_en = TextAreaField(validators=[Optional(), max_length(MAX_MESSAGE_LENGTH)])
    audio_url_fr = StringField(validators=[audio_url])
    audio_url_en = StringField(validators=[audio_url])
    # the short texts for SMS contacts (issue 14); GSM7: accents replaced so that they fit
    sms_fr = TextAreaField(validators=[max_length(MAX_SMS_LENGTH)])
    sms_en = TextAreaField(validators=[max_length(MAX_SMS_LENGTH)])
    sms_gsm7 = BooleanField(default=False)
    priority = PriorityField(choices=["emergency", "normal"], default=None)
    target_all = BooleanField(default=False)
    cities = StringField(validators=[max_length(500)])
    streets = TextAreaField(validators=[max_length(5000)])
    postal_prefixes = StringField(validators=[max_length(500)])
    upload = FileField()
    # the map (issue 16): drawn zones as a JSON list of GeoJSON geometries (hidden, written by
    # the map's script), a GeoJSON file, the circle as numbers, named zones (Sector ids)
    zone = HiddenField()
    zone_file = FileField()
    zone_clear = BooleanField(default=False)
    near_lat = StringField(validators=[max_length(32)])
    near_lon = StringField(validators=[max_length(32)])
    near_metres = StringField(validators=[max_length(16)])
    sectors = SectorsField()
    rounds = SettingField(campaign_settings.ROUNDS)
    retry_delay_min = SettingField(campaign_settings.RETRY_DELAY_S)
    ring_timeout_s = SettingField(campaign_settings.RING_TIMEOUT_S)
    leave_voicemail = BooleanField(default=True)
    ask_confirmation = BooleanField(default=True)
    window_start = StringField(validators=[clock_time], default=campaign_settings.WINDOW_START)
    window_end = StringField(validators=[clock_time], default=campaign_settings.WINDOW_END)
    expires_in_min = SettingField(campaign_settings.EXPIRES_IN_MIN)

    def validate_window_end(self, field):
        start = self.window_start.data or campaign_settings.WINDOW_START
        end = field.data or campaign_settings.WINDOW_END
        if not self.window_start.errors and not field.errors and start >= end:
            raise ValidationError(_text("console.h7.window_order"))


class TestCallForm(FlaskForm):
    number = StringField(validators=[required, phone_number])
    language = ChoiceField(choices=["fr", "en"], default="fr")


class ConfirmForm(FlaskForm):
    """A bare form: its CSRF token is the whole point (launch, pause, deactivate...)."""


class ResidentForm(FlaskForm):
    last_name = StringField(validators=[required, max_length(120)])
    first_name = StringField(validators=[max_length(120)])
    language = ChoiceField(choices=["fr", "en"])
    civic_number = StringField(validators=[required, max_length(16)])
    street = StringField(validators=[required, max_length(160)])
    apartment = StringField(validators=[max_length(16)])
    city = StringField(validators=[required, max_length(80)])
    postal_code = StringField(validators=[max_length(7)])
    phone1 = StringField(validators=[required, phone_number])
    phone2 = StringField(validators=[phone_number])
    phone3 = StringField(validators=[phone_number])
    active = BooleanField()
    # each number's type, description and Actif (issue 14); a form without them keeps
    # the defaults: voice, no description, active
    phone1_kind = ChoiceField(choices=["voice", "sms"], default="voice")
    phone2_kind = ChoiceField(choices=["voice", "sms"], default="voice")
    phone3_kind = ChoiceField(choices=["voice", "sms"], default="voice")
    phone1_description = StringField(validators=[max_length(80)])
    phone2_description = StringField(validators=[max_length(80)])
    phone3_description = StringField(validators=[max_length(80)])
    phone1_active = ChoiceField(choices=["1", "0"], default="1")
    phone2_active = ChoiceField(choices=["1", "0"], default="1")
    phone3_active = ChoiceField(choices=["1", "0"], default="1")


class ReviewForm(FlaskForm):
    last_name = StringField(validators=[required, max_length(120)])
    first_name = StringField(validators=[max_length(120)])
    civic_number = StringField(validators=[required, max_length(16)])
    street = StringField(validators=[required, max_length(160)])
    apartment = StringField(validators=[max_length(16)])
    city = StringField(validators=[required, max_length(80)])
    postal_code = StringField(validators=[max_length(7)])


class ImportForm(FlaskForm):
    file = FileField(validators=[required])


class SectorForm(FlaskForm):
    """Named sectors to upload (admins): a GeoJSON FeatureCollection, one feature a sector,
    named by the property NAME_PROPERTY."""

    file = FileField(validators=[required])
    name_property = StringField(validators=[required, max_length(64)], default="nom")


class StaffForm(FlaskForm):
    email = StringField(validators=[required, max_length(254)])
    role = ChoiceField(choices=["operator", "admin"])
    language = ChoiceField(choices=["fr", "en"])
    phone = StringField(validators=[phone_number])
    password = StaffPasswordField()
    active = BooleanField(default=True)

    def validate_email(self, field):
        value = field.data.strip().lower()
        if "@" not in value or value.startswith("@") or value.endswith("@") or " " in value:
            raise ValidationError(_text("console.form.email"))
        field.data = value

    def validate_password(self, field):
        if field.data and len(field.data) < field.min_length:
            raise ValidationError(_text("console.form.password_short", length=field.min_length))


class PasswordForm(FlaskForm):
    """One's own password: the current one, then the new one twice."""

    current = PasswordField(validators=[required, max_length(200)])
    new = PasswordField(validators=[required, max_length(200)])
    again = PasswordField(validators=[required, max_length(200)])

    def validate_new(self, field):
        if len(field.data or "") < MIN_STAFF_PASSWORD_LENGTH:
            raise ValidationError(
                _text("console.form.password_short", length=MIN_STAFF_PASSWORD_LENGTH)
            )

    def validate_again(self, field):
        if field.data != self.new.data:
            raise ValidationError(_text("console.password.mismatch"))


class ProfileForm(FlaskForm):
    phone = StringField(validators=[phone_number])
    language = ChoiceField(choices=["fr", "en"])


# --- h2: campaign templates admins edit (issue 15) ---


def known_placeholders(form, field):
    """Only {secteur}, {sector} and {date}; anything else in braces is refused by name."""
    unknown = unknown_placeholders(field.data or "")
    if unknown:
        raise ValidationError(
            _text(
                "console.h2.placeholder_unknown",
                found=" ".join(unknown[:5]),
                allowed=" ".join("{" + name + "}" for name in PLACEHOLDERS),
            )
        )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control(value):
    """Text without control characters (PostgreSQL refuses NUL bytes; none is meant)."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def _template_text(*validators):
    return {"validators": [*validators, known_placeholders], "filters": [no_control]}


class TemplateForm(FlaskForm):
    name_fr = StringField(**_template_text(required, max_length(MAX_NAME_LENGTH)))
    name_en = StringField(**_template_text(required, max_length(MAX_NAME_LENGTH)))
    priority = PriorityField(choices=["emergency", "normal"], default=None)
    message_fr = TextAreaField(**_template_text(required, max_length(MAX_MESSAGE_LENGTH)))
    message_en = TextAreaField(**_template_text(max_length(MAX_MESSAGE_LENGTH)))
    sms_fr = TextAreaField(**_template_text(max_length(MAX_SMS_LENGTH)))
    sms_en = TextAreaField(**_template_text(max_length(MAX_SMS_LENGTH)))
    active = BooleanField(default=True)
