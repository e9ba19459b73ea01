from django import forms

LIFETIMES = [("30", "30 days"), ("90", "90 days"), ("365", "a year"), ("", "never (until revoked)")]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What it is for, e.g. the script that uses it")
    expires_in = forms.TypedChoiceField(choices=LIFETIMES, coerce=int, empty_value=None, initial="90",
                                        required=False, label="Expires after")
