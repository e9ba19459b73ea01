from django import forms

from .models import Purpose

MOST = {"max_instances": 50, "max_vcpus": 1024, "max_ram_gb": 4096, "lifetime_days": 365}


class MoreForm(forms.Form):
    """What a user asks the operators for: totals at least as large as what applies now (`current`,
    with the lifetime in days), one of them larger, and why."""

    max_instances = forms.IntegerField(label="Running instances", min_value=1, max_value=MOST["max_instances"])
    max_vcpus = forms.IntegerField(label="vCPUs in all", min_value=1, max_value=MOST["max_vcpus"])
    max_ram_gb = forms.IntegerField(label="RAM in all (GB)", min_value=1, max_value=MOST["max_ram_gb"])
    lifetime_days = forms.IntegerField(label="Days each desktop may live", min_value=1,
                                       max_value=MOST["lifetime_days"])
    reason = forms.CharField(label="What you need it for", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": "Tell the operators what you need it for."})

    def __init__(self, current, *args, **kwargs):
        self.current = {**current, "lifetime_days": -(-current["max_lifetime_hours"] // 24)}
        super().__init__(*args, initial=self.current, **kwargs)

    def clean(self):
        data = super().clean()
        numbers = {name: data[name] for name in MOST if name in data}
        if numbers == {name: self.current[name] for name in MOST}:
            raise forms.ValidationError("Raise at least one of the figures above what you have now.")
        for name, value in numbers.items():
            if value < self.current[name]:
                self.add_error(name, f"You have {self.current[name]} already: ask for at least that.")
        return data

    def figures(self):
        """The totals asked for, as a QuotaRequest stores them."""
        data = self.cleaned_data
        return {"max_instances": data["max_instances"], "max_vcpus": data["max_vcpus"],
                "max_ram_gb": data["max_ram_gb"], "max_lifetime_hours": data["lifetime_days"] * 24}


def purpose(value):
    """The purpose a query names; the members' quota when it names none or another."""
    return value if value in Purpose.values else Purpose.MEMBER
