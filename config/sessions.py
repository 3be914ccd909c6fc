"""Sessions in Redis (django-redis), saved in one round trip.

Django's cache backend saves an existing session with a GET (is it still there?) and then
a SET. Redis does both at once with SET ... XX (only if the key exists), which keeps the
meaning (a session deleted meanwhile, by a logout, is not brought back) and saves a round
trip on every request that changes the session, such as a join.
"""

from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore


class SessionStore(CacheSessionStore):
    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        if must_create:
            if not self._cache.add(self.cache_key, data, self.get_expiry_age()):
                raise CreateError
        elif not self._cache.set(self.cache_key, data, self.get_expiry_age(), xx=True):
            raise UpdateError

    async def asave(self, must_create=False):
        from asgiref.sync import sync_to_async

        await sync_to_async(self.save, thread_sensitive=False)(must_create)
