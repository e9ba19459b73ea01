"""The API's pagination (settings.REST_FRAMEWORK); a module of its own, imported while DRF loads."""
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """?page=N, and ?page_size=N up to a cap, so that no request reads a whole table."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
