"""The web pages: home, the instance page, the launch wizard, the DOI landing page, sharing, and the
live-update consumer that keeps them current (`live`). Views stay thin: they call the services
below them.

May import every other instances sub-package but api; quotas and openaccess.
"""
