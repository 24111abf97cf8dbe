"""Pages of the time bank (pages.py) and their forms (forms.py); routes in urls.py."""
