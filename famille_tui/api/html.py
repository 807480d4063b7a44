"""The one page layout of the few HTML pages (the portal's home and outbox, the PayFiP
stand-in's payment pages): standard library only, so the portal and the stand-in share it
without importing each other.

The style uses relative units and a single column, so the pages stay readable at 200 % zoom
and on a phone; every input has a visible label; errors are written in words next to the form.
No JavaScript anywhere.
"""

from __future__ import annotations

from html import escape

STYLE = """
html { font-size: 100%; }
body { font-family: system-ui, sans-serif; line-height: 1.5; margin: 0; color: #111;
       background: #fff; }
header { background: #000091; color: #fff; padding: 1rem; }
header p { margin: 0; }
main { max-width: 40rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; }
label, legend { display: block; font-weight: bold; margin-top: 1rem; }
input[type=text], input[type=email], select { font-size: 1.1rem; padding: .4rem;
       width: 100%; max-width: 100%; box-sizing: border-box; border: 2px solid #333; }
.radio label { display: inline; font-weight: normal; margin-left: .3rem; }
.radio div { margin: .3rem 0; }
button { font-size: 1.1rem; padding: .5rem 1.2rem; margin: 1.2rem .6rem 0 0;
         border: 2px solid #000091; border-radius: .2rem; cursor: pointer; }
button.primary { background: #000091; color: #fff; }
button.secondary { background: #fff; color: #000091; }
a.button { display: inline-block; font-size: 1.1rem; padding: .5rem 1.2rem; margin-top: 1rem;
           background: #000091; color: #fff; border-radius: .2rem; }
:focus { outline: 3px solid #e1000f; outline-offset: 2px; }
.error { border-left: .3rem solid #e1000f; padding: .5rem 1rem; background: #fee; }
.ok { border-left: .3rem solid #18753c; padding: .5rem 1rem; background: #efe; }
.notice { border-left: .3rem solid #000091; padding: .5rem 1rem; background: #eef; }
.hint { font-size: .95rem; color: #333; margin: .2rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
dt { font-weight: bold; } dd { margin: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: .8rem; }
article { border-top: 1px solid #999; padding-top: .5rem; }
"""

#: Headers of every page: no cache, no script, no frame, forms only to the page's own origin.
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def page_html(title: str, body: str, *, banner: str) -> str:
    """A whole page; `body` and `banner` are already-escaped HTML."""
    return (
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><p>{banner}</p></header><main>{body}</main></body></html>"
    )


def e(value: object) -> str:
    """`value` as text in HTML (content or a quoted attribute)."""
    return escape(str(value), quote=True)
