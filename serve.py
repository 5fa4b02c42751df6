"""`streamlit run serve.py` (what `make run` starts): the dashboard, dashboard.py, with security headers on
every HTTP response - a Content-Security-Policy that lets the page load only its own scripts, styles,
fonts, images and websocket, never be framed (also X-Frame-Options DENY), no content-type sniffing, no
referrer. Streamlit's config.toml has no option for response headers; its ASGI entry point `st.App` takes
Starlette middleware (docs.streamlit.io/develop/api-reference/server/st.app). Behind a reverse proxy the
proxy may set the same headers again (README, "Security headers")."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware

ROOT = Path(__file__).resolve().parent


def _inline_script_hashes() -> list[str]:
    """The CSP hashes of the inline scripts of Streamlit's own index.html (one line setting a flag in
    1.67), read from the installed Streamlit so that an upgrade keeps the page working."""
    html = (Path(st.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    bodies = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in bodies]


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' " + " ".join(_inline_script_hashes()),
        "style-src 'self' 'unsafe-inline'",  # Streamlit's and plotly's components set element styles
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",  # the page's own websocket and endpoints
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        response = await call_next(request)
        response.headers.update(HEADERS)
        return response


app = st.App(ROOT / "dashboard.py", middleware=[Middleware(SecurityHeaders)])
