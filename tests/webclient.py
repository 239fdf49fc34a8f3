"""A tiny HTTP client with its own cookies, one per simulated visitor (no browser needed)."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    def __init__(self, base_url: str, *, ip: str | None = None):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )
        self.headers = {"X-Forwarded-For": ip} if ip else {}

    def request(self, path: str, data: dict | None = None, timeout: float = 60) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base_url + path, data=body, headers=self.headers)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")

    def get(self, path: str) -> tuple[int, dict, str]:
        return self.request(path)

    def follow(self, status: int, headers: dict, body: str) -> tuple[int, dict, str]:
        """Follow redirects (same site) until a page."""
        for _ in range(5):
            if status not in (301, 302, 303):
                break
            parts = urllib.parse.urlsplit(headers["Location"])
            status, headers, body = self.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        return status, headers, body

    def post_form(self, path: str, page: str, fields: dict) -> tuple[int, dict, str]:
        """Submit the page's form: its CSRF token and hidden fields, plus `fields`."""
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
        return self.request(path, {**hidden, **fields})
