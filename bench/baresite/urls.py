from django.shortcuts import render
from django.urls import path


def page(request):
    return render(request, "bare.html", {"title": "Bare Django page", "items": ["one", "two", "three"]})


urlpatterns = [path("", page)]
