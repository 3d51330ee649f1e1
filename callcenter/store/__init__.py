"""SQL store: typed models, engines and sessions, repositories, migrations.

Import models from :mod:`callcenter.store.models`; sessions from
:mod:`callcenter.store.session`; migrations with :func:`callcenter.store.migrate.upgrade`.
"""

from callcenter.store.base import Base, StoreError, UTCDateTime, utcnow
from callcenter.store.session import make_engine, session_factory, session_scope

__all__ = [
    "Base",
    "StoreError",
    "UTCDateTime",
    "make_engine",
    "session_factory",
    "session_scope",
    "utcnow",
]
