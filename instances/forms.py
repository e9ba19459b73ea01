from django import forms


class ExtensionForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=90, initial=7, label="More days")
    reason = forms.CharField(max_length=500, label="Why", widget=forms.TextInput(attrs={"size": 50}))
