"""Plugin settings for the LMS and Studio, loaded by edx-django-utils' plugin machinery (``plugin_app``)."""
