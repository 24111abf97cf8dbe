from rest_framework.pagination import LimitOffsetPagination


class DefaultPagination(LimitOffsetPagination):
    """Limit/offset with a ceiling on ?limit= (an unbounded one overflows SQL's LIMIT: a 500)."""

    default_limit = 50
    max_limit = 200
