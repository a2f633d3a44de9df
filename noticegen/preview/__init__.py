"""The staff preview: one household's notice, in any language, in the browser.

    noticegen preview INPUT [--host 127.0.0.1] [--port 8000]

`create_app` makes the web application (Flask) for one member file, read once; `serve` checks that
it is safe to listen where asked and serves it with waitress until interrupted. The app shows what
`records`, `view` and `render` make and decides nothing of its own about a notice's content.
"""

from noticegen.preview.app import PreviewApp, create_app
from noticegen.preview.server import TOKEN_VARIABLE, access_token, running, serve

__all__ = ["TOKEN_VARIABLE", "PreviewApp", "access_token", "create_app", "running", "serve"]
