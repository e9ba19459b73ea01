"""Several clouds (issue 15): the Cloud model, and the cloud of the OPENSTACK_* settings as the
first one, which the images, flavours and instances there before are on; GPUs on flavours."""

import django.core.validators
import django.db.models.deletion
import instances.models.instance
from django.db import migrations, models

from instances.models.cloud import settings_cloud_name


def settings_cloud(apps, schema_editor):
    """The cloud visa had before clouds were registered: still connected as the settings say."""
    apps.get_model("instances", "Cloud").objects.get_or_create(
        from_settings=True, defaults={"name": settings_cloud_name(), "priority": 0})


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('instances', '0012_instancemember_team'),
    ]

    operations = [
        migrations.AddField(
            model_name='flavour',
            name='gpus',
            field=models.PositiveIntegerField(default=0, help_text='Devices each instance gets (the Nova flavour passes them through); counted by quotas beside vCPUs and memory', verbose_name='GPUs'),
        ),
        migrations.CreateModel(
            name='Cloud',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='Shown to users where they choose, and in metrics', max_length=64, unique=True)),
                ('description', models.CharField(blank=True, help_text='Shown to users beside its name', max_length=200)),
                ('enabled', models.BooleanField(default=True, help_text='Offered for new desktops; desktops on it go on either way')),
                ('priority', models.PositiveIntegerField(default=100, help_text='Lower first: the cloud a launch goes to when the user does not choose')),
                ('from_settings', models.BooleanField(default=False, help_text='Connect as the OPENSTACK_* settings say (then leave the fields below empty)')),
                ('clouds_yaml', models.CharField(blank=True, help_text="The entry of clouds.yaml on visa's hosts (then leave the fields below empty)", max_length=100, verbose_name='clouds.yaml entry')),
                ('auth_url', models.URLField(blank=True, help_text='e.g. https://keystone.example.org:5000/v3', verbose_name='Keystone URL')),
                ('region_name', models.CharField(blank=True, max_length=100)),
                ('project_name', models.CharField(blank=True, max_length=100)),
                ('user_domain_name', models.CharField(blank=True, default='Default', max_length=100)),
                ('project_domain_name', models.CharField(blank=True, default='Default', max_length=100)),
                ('username', models.CharField(blank=True, max_length=100)),
                ('password_variable', models.CharField(blank=True, help_text='The environment variable that holds the password (on the web and worker hosts)', max_length=100, validators=[django.core.validators.RegexValidator('^OPENSTACK_[A-Z0-9_]+$', 'The name of an environment variable starting with OPENSTACK_, e.g. OPENSTACK_PASSWORD_SITE_B.')])),
                ('application_credential_id', models.CharField(blank=True, max_length=100)),
                ('application_credential_secret_variable', models.CharField(blank=True, help_text="The environment variable that holds the application credential's secret", max_length=100, validators=[django.core.validators.RegexValidator('^OPENSTACK_[A-Z0-9_]+$', 'The name of an environment variable starting with OPENSTACK_, e.g. OPENSTACK_PASSWORD_SITE_B.')])),
                ('groups', models.ManyToManyField(blank=True, help_text='Who may launch on it; none chosen means everyone', related_name='+', to='auth.group')),
            ],
            options={
                'ordering': ['priority', 'name'],
            },
        ),
        # before the fields whose default (Cloud.default_pk) finds it
        migrations.RunPython(settings_cloud, migrations.RunPython.noop),
        migrations.AddField(
            model_name='flavour',
            name='provider',
            field=models.ForeignKey(default=instances.models.instance.default_cloud, help_text='The cloud that offers it', on_delete=django.db.models.deletion.PROTECT, related_name='flavours', to='instances.cloud', verbose_name='cloud'),
        ),
        migrations.AddField(
            model_name='image',
            name='provider',
            field=models.ForeignKey(default=instances.models.instance.default_cloud, help_text='The cloud that offers it', on_delete=django.db.models.deletion.PROTECT, related_name='images', to='instances.cloud', verbose_name='cloud'),
        ),
        migrations.AddField(
            model_name='instance',
            name='cloud',
            field=models.ForeignKey(default=instances.models.instance.default_cloud, help_text='Where its server is', on_delete=django.db.models.deletion.PROTECT, related_name='instances', to='instances.cloud'),
        ),
    ]
