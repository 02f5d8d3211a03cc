"""`zwgk serve`: check a workbook in a browser (upload page, result page, downloads)."""

from zwgk.serve.config import ServeConfig

__all__ = ["ServeConfig", "create_app"]


def __getattr__(name: str) -> object:
    # The app pulls in Starlette and the whole checker; import it only when asked for.
    if name == "create_app":
        from zwgk.serve.app import create_app

        return create_app
    raise AttributeError(name)
