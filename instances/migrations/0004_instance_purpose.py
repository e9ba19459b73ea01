from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('instances', '0003_sharing'),
    ]

    operations = [
        migrations.AddField(
            model_name='instance',
            name='purpose',
            field=models.CharField(choices=[('member', 'experiments the user is a member of'), ('open', 'open data only')], default='member', editable=False, help_text='The quota it counts against', max_length=8),
        ),
    ]
