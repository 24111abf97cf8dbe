"""Every write of the local currency, one module per flow.

Import from the module itself, e.g. `from currency.services.conversions import conversion_create`.
"""
