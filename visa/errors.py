"""Error answers for what no view handled (an unknown URL, a bad request, a server error): JSON
{"detail": ...} under /api/, as every API answer is, and Django's own pages elsewhere. A
BadRequest's message is written for the client (visa.params) and shown; other 400s (suspicious
requests) say nothing of why."""
from django.core.exceptions import BadRequest
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults


def _api(request, status, detail):
    return JsonResponse({"detail": detail}, status=status) if request.path.startswith("/api/") else None


def bad_request(request, exception):
    if type(exception) is BadRequest:
        message = str(exception)
        return _api(request, 400, message) or render(request, "400.html", {"message": message}, status=400)
    return _api(request, 400, "Bad request.") or defaults.bad_request(request, exception)


def not_found(request, exception):
    return _api(request, 404, "Not found.") or defaults.page_not_found(request, exception)


def server_error(request):
    return _api(request, 500, "Server error.") or defaults.server_error(request)
