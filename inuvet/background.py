"""Work a page must not wait for, nor show in its timing: run in a thread after the response.

Pages that must answer the same whether or not someone's data exists (ask for one's data, send my
link again) hand the looking-up to `after_response`: the page does the same work either way, and
what is found is handled a moment later. With OUTBOX_DELIVERY=inline (tests) it runs at once.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

DELAY = 0.05  # seconds: the response leaves first, so the thread's work does not slow it


def after_response(function, /, **kwargs) -> None:
    if settings.OUTBOX_DELIVERY == "inline":
        function(**kwargs)
        return

    def run():
        time.sleep(DELAY)
        try:
            function(**kwargs)
        except Exception:
            logger.exception("work after the response failed: %s", function.__name__)
        finally:
            connections.close_all()

    threading.Thread(target=run, name=f"after-{function.__name__}", daemon=True).start()
