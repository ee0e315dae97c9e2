"""URLs of the import pages (names start with `import_`); included by performance/urls.py."""

urlpatterns: list = []
