from django.db import models


class RateLimitCounter(models.Model):
    """The recent uses of one limited action by one client (inuvet/ratelimit.py): the times of
    the uses inside the sliding window, never more than the limit. The key is a keyed hash of
    the client's address or link, never the address itself; a row is deleted once it expires."""

    key = models.CharField(max_length=80, unique=True)
    uses = models.TextField(blank=True)  # Unix times, oldest first, separated by spaces
    expires_at = models.FloatField(db_index=True)  # when the newest use leaves the window

    def __str__(self):
        return f"Rate limit counter #{self.pk}"
