from django.contrib import admin

from causes.models import Cause, Interest

admin.site.register(Cause)
admin.site.register(Interest)
