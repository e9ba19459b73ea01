from django import forms

from instances.lifecycle.expiry import MAX_EXTENSION_DAYS
from instances.models import Cloud, Flavour, Image
from openaccess.models import Experiment


class ExtensionForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=MAX_EXTENSION_DAYS, initial=7, label="More days")
    reason = forms.CharField(max_length=500, label="Why", widget=forms.TextInput(attrs={"size": 50}))


class LaunchForm(forms.Form):
    """The new-instance wizard's choices. Whether the user may read the experiments and whether
    the quota allows the rest is decided by services.launch, which the view asks."""

    experiment = forms.ModelMultipleChoiceField(
        Experiment.objects.all(), required=False,
        error_messages={"invalid_choice": "An experiment you chose is no longer registered: choose again."},
    )
    cloud = forms.ModelChoiceField(  # the image says where it runs; this only chooses what the page lists
        Cloud.objects.filter(enabled=True), required=False,
        error_messages={"invalid_choice": "This cloud is no longer offered: choose another."},
    )
    image = forms.ModelChoiceField(
        Image.objects.filter(enabled=True),
        error_messages={"required": "Choose an environment.",
                        "invalid_choice": "This environment is no longer offered: choose another."},
    )
    flavour = forms.ModelChoiceField(
        Flavour.objects.filter(enabled=True),
        error_messages={"required": "Choose a size.",
                        "invalid_choice": "This size is no longer offered: choose another."},
    )
    name = forms.CharField(max_length=100, required=False, error_messages={
        "max_length": "Keep the name to %(limit_value)d characters (it has %(show_value)d)."})

    def experiments(self):
        """The chosen experiments in the order the page listed them."""
        order = [str(pk) for pk in self.data.getlist("experiment")]
        return sorted(self.cleaned_data["experiment"], key=lambda e: order.index(str(e.pk)))
