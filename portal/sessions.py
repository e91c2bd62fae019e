"""Sessions in the database, as django.contrib.sessions.backends.db keeps them (same table, same
data), with the read every signed-in request makes compiled once (portal.compiled)."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.compiled import Compiled

# The session key is the table's primary key; its expiry is compared here rather than in the
# statement, which then has no time in it and can be compiled.
_SESSION = Compiled(
    lambda session_key: Session.objects.filter(session_key=session_key), session_key=str
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        found = _SESSION(session_key=self.session_key)
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
