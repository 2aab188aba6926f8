"""The console's forms: each field checked on the server, each refusal said in the page language."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, IntegerField, PasswordField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import Optional, StopValidation, ValidationError

from dialer.campaigns import is_audio_url
from models.phone import InvalidPhone, to_e164

from .language import _ as _text
from .language import lang

MIN_PASSWORD_LENGTH = 12
MAX_MESSAGE_LENGTH = 1000


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
        raise ValidationError(exc.message(lang())) from None


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


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value is translated too."""

    def pre_validate(self, form):
        if self.data not in self.choices:
            raise ValidationError(_text("console.form.choice"))


class LoginForm(FlaskForm):
    email = StringField(validators=[required, max_length(254)])
    password = PasswordField(validators=[required, max_length(200)])


class CampaignForm(FlaskForm):
    title = StringField(validators=[required, max_length(200)])
    message_fr = TextAreaField(validators=[required, max_length(MAX_MESSAGE_LENGTH)])
    message_en = TextAreaField(validators=[Optional(), max_length(MAX_MESSAGE_LENGTH)])
    audio_url_fr = StringField(validators=[audio_url])
    audio_url_en = StringField(validators=[audio_url])
    priority = ChoiceField(choices=["emergency", "normal"],
                           default="emergency")
    target_all = BooleanField(default=False)
    cities = StringField(validators=[max_length(500)])
    streets = TextAreaField(validators=[max_length(5000)])
    postal_prefixes = StringField(validators=[max_length(500)])
    upload = FileField()
    rounds = IntField(validators=[between(1, 10)])
    retry_delay_min = IntField(validators=[between(1, 240)])
    ring_timeout_s = IntField(validators=[between(10, 120)])
    leave_voicemail = BooleanField(default=True)
    ask_confirmation = BooleanField(default=True)


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


class StaffForm(FlaskForm):
    email = StringField(validators=[required, max_length(254)])
    role = ChoiceField(choices=["operator", "admin"])
    language = ChoiceField(choices=["fr", "en"])
    phone = StringField(validators=[phone_number])
    password = PasswordField()
    active = BooleanField(default=True)

    def validate_email(self, field):
        value = field.data.strip().lower()
        if "@" not in value or value.startswith("@") or value.endswith("@") or " " in value:
            raise ValidationError(_text("console.form.email"))
        field.data = value

    def validate_password(self, field):
        if field.data and len(field.data) < MIN_PASSWORD_LENGTH:
            raise ValidationError(_text("console.form.password_short",
                                        length=MIN_PASSWORD_LENGTH))


class PasswordForm(FlaskForm):
    """One's own password: the current one, then the new one twice."""
    current = PasswordField(validators=[required, max_length(200)])
    new = PasswordField(validators=[required, max_length(200)])
    again = PasswordField(validators=[required, max_length(200)])

    def validate_new(self, field):
        if len(field.data or "") < MIN_PASSWORD_LENGTH:
            raise ValidationError(_text("console.form.password_short",
                                        length=MIN_PASSWORD_LENGTH))

    def validate_again(self, field):
        if field.data != self.new.data:
            raise ValidationError(_text("console.password.mismatch"))


class ProfileForm(FlaskForm):
    phone = StringField(validators=[phone_number])
    language = ChoiceField(choices=["fr", "en"])
