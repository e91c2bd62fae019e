"""Why a dossier job stopped. `code` is stored on the row and shown as a sentence (messages.py)."""

from __future__ import annotations


class DossierError(Exception):
    """Bad data or configuration: retrying cannot help, the job fails with a reason."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail[:500]

    def __reduce__(self):
        # Raised in a render process and re-raised in the worker (portal/forking.py).
        return (type(self), (self.code, self.detail))


class TransientError(Exception):
    """Worth a retry with backoff: the database, the storage or the timestamp server failed."""
