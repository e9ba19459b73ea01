"""The REST API of instances (Django REST framework): `serializers` and `views`. It calls the same
services as the pages.

May import every other instances sub-package but pages; quotas and openaccess.
"""
