from django.shortcuts import render

from . import search


def search_page(request):
    """Search what the user may read: their own experiments and open data; without an account,
    open data (launching asks them to sign in)."""
    criteria = search.Criteria.from_query(request.GET)
    page, facets = search.search(request.user, criteria)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "openaccess/search.html", {
        "criteria": criteria, "page": page, "facets": facets, "query": query.urlencode(),
    })
