from django.shortcuts import render

from bookings.models import Service


def home(request):
    services = Service.objects.filter(is_active=True, bookable_online=True)
    return render(request, "bookings/home.html", {"services": services})
