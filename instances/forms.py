from django import forms

from .expiry import MAX_EXTENSION_DAYS


class ExtensionForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=MAX_EXTENSION_DAYS, initial=7, label="More days")
    reason = forms.CharField(max_length=500, label="Why", widget=forms.TextInput(attrs={"size": 50}))
