"""API of the time bank: views in views.py, their serializers in serializers.py; routes in api_urls.py."""
