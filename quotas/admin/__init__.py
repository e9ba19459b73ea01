"""What operators do with quotas in Django admin (quotas.py) and the requests users send them
(requests.py): open-data approval and bigger quotas, each decided once, by button or action."""
from . import quotas, requests  # noqa: F401  (each registers its admins)
