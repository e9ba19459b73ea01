# Several clouds and placement rules arrived together: a rule may be for some clouds only, since
# networks and security groups are each cloud's own.
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("instances", "0013_clouds"),
        ("instances", "0013_placement"),
    ]

    operations = [
        migrations.AddField(
            model_name="placementrule",
            name="clouds",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="instances.cloud",
                help_text="The launch is on one of these clouds; none chosen: any cloud (each must have the "
                          "networks and security groups named)"),
        ),
    ]
