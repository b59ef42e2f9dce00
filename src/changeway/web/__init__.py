"""The web UI: server-rendered pages (Jinja2, htmx) over the same operations as the API,
for people who work in Setup rather than in a terminal (docs/adr/0010-web-ui.md)."""
