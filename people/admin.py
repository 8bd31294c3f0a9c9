from django.contrib import admin

from people.models import AuditEvent, Organization, Person, Tie

admin.site.register(Person)
admin.site.register(Organization)
admin.site.register(Tie)
admin.site.register(AuditEvent)
