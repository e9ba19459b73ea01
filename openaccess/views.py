from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import search


@login_required
def search_page(request):
    """Search what the signed-in user may read: their own experiments and open data."""
    criteria = search.Criteria.from_query(request.GET)
    page, facets = search.search(request.user, criteria)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "openaccess/search.html", {
        "criteria": criteria, "page": page, "facets": facets, "query": query.urlencode(),
    })
