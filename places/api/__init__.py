"""The places API (DRF views and their serializers), one module per subject."""
