"""Django's date and number formats per language, where the site's differ from Django's own
(settings.FORMAT_MODULE_PATH)."""
