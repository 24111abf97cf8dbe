from django.http import HttpRequest, HttpResponse


def coming_soon(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)
