"""The Django application: the clinic's web pages, JSON API and persistence around the core."""
