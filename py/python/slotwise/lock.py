"""A distributed lock on one key, with redis-py's ``Lock`` semantics: :class:`Lock` for
:class:`slotwise.Cluster`, :class:`AsyncLock` for :class:`slotwise.asyncio.Cluster` (both
made by the clients' ``lock()``).

The lock is the key ``name`` holding a random token: acquiring is ``SET name token NX
[PX timeout]``; releasing, extending and re-acquiring are Lua scripts that act only while
the key still holds this lock's token. Each runs with EVALSHA on the node serving the key,
falling back to EVAL when that node has not cached the script yet
(:meth:`~slotwise.Cluster.register_script`).

::

    with rc.lock("jobs:42", timeout=10, blocking_timeout=5):
        ...  # no other holder of "jobs:42" runs here

    async with arc.lock("jobs:42", timeout=10):
        ...
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from types import SimpleNamespace, TracebackType
from typing import Any, Optional, Type, Union

from .exceptions import LockError, LockNotOwnedError

logger = logging.getLogger(__name__)

#: Seconds, as redis-py takes them.
Number = Union[int, float]
#: A token given to ``acquire(token=...)``.
TokenT = Union[str, bytes]


#: Deletes the key if it still holds the token (ARGV[1]); 1 when it did.
RELEASE_SCRIPT = """
local held = redis.call('get', KEYS[1])
if held ~= ARGV[1] then
    return 0
end
redis.call('del', KEYS[1])
return 1
"""

#: Adds ARGV[2] milliseconds to the key's TTL (ARGV[3] == "1": sets the TTL to it) if the
#: key still holds the token and has a TTL; 1 when it did.
EXTEND_SCRIPT = """
local held = redis.call('get', KEYS[1])
if held ~= ARGV[1] then
    return 0
end
local ttl = redis.call('pttl', KEYS[1])
if not ttl or ttl < 0 then
    return 0
end
local ms = tonumber(ARGV[2])
if ARGV[3] ~= "1" then
    ms = ms + ttl
end
redis.call('pexpire', KEYS[1], ms)
return 1
"""

#: Sets the key's TTL back to ARGV[2] milliseconds if it still holds the token; 1 when it did.
REACQUIRE_SCRIPT = """
local held = redis.call('get', KEYS[1])
if held ~= ARGV[1] then
    return 0
end
redis.call('pexpire', KEYS[1], ARGV[2])
return 1
"""


def _encode(token: Any) -> bytes:
    """A token as the bytes stored in the key (``str`` as UTF-8, numbers as their text)."""
    if isinstance(token, (bytes, bytearray, memoryview)):
        return bytes(token)
    if isinstance(token, str):
        return token.encode()
    if isinstance(token, (int, float)) and not isinstance(token, bool):
        return repr(token).encode()
    raise LockError(f"a lock token is str or bytes, not {type(token).__name__}")


class _LockBase:
    """What both locks share: the settings, the token's storage and the scripts."""

    def __init__(
        self,
        redis: Any,
        name: Any,
        timeout: Optional[Number] = None,
        sleep: Number = 0.1,
        blocking: bool = True,
        blocking_timeout: Optional[Number] = None,
        thread_local: bool = True,
        raise_on_release_error: bool = True,
    ) -> None:
        self.redis = redis
        self.name = name
        self.timeout = timeout
        self.sleep = sleep
        self.blocking = blocking
        self.blocking_timeout = blocking_timeout
        self.thread_local = bool(thread_local)
        self.raise_on_release_error = raise_on_release_error
        # Thread-local by default: a thread sees only the token it acquired with, so a
        # thread whose lock expired and was taken by another cannot release that one's.
        self.local: Any = threading.local() if self.thread_local else SimpleNamespace()
        self.local.token = None
        self.lua_release = redis.register_script(RELEASE_SCRIPT)
        self.lua_extend = redis.register_script(EXTEND_SCRIPT)
        self.lua_reacquire = redis.register_script(REACQUIRE_SCRIPT)

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} name={self.name!r}>"

    def _token(self) -> Optional[bytes]:
        token: Optional[bytes] = getattr(self.local, "token", None)
        return token

    def _px(self) -> Optional[int]:
        return int(self.timeout * 1000) if self.timeout else None

    def _check_held(self, action: str) -> None:
        if self._token() is None:
            raise LockError(f"Cannot {action} an unlocked lock", lock_name=self.name)
        if self.timeout is None:
            raise LockError(f"Cannot {action} a lock with no timeout", lock_name=self.name)

    def _is_own(self, stored: Any) -> bool:
        token = self._token()
        if token is None or stored is None:
            return False
        return _encode(stored) == token

    def _not_owned(self, action: str) -> LockNotOwnedError:
        return LockNotOwnedError(
            f"Cannot {action} a lock that's no longer owned", lock_name=self.name
        )

    def _unable(self) -> LockError:
        return LockError("Unable to acquire lock within the time specified", lock_name=self.name)

    def _not_held(self) -> LockError:
        return LockError(
            "Cannot release a lock that's not owned or is already unlocked.",
            lock_name=self.name,
        )

    @staticmethod
    def _warn_release() -> None:
        logger.warning("Lock was unlocked or no longer owned when exiting context manager.")


class Lock(_LockBase):
    """A lock for the sync client (see the module docstring), redis-py's ``Lock``.

    :param timeout: the lock's longest life in seconds (the key's TTL); ``None``: held
        until released.
    :param sleep: seconds between tries while another holder has it.
    :param blocking: whether :meth:`acquire` waits for the lock (else it tries once).
    :param blocking_timeout: the longest :meth:`acquire` waits, in seconds (``None``:
        forever).
    :param thread_local: keep the token per thread (the default), so that a thread
        cannot release a lock another thread acquired with this object.
    :param raise_on_release_error: whether leaving the ``with`` block raises when the lock
        was no longer held (else it is logged).
    """

    def __enter__(self) -> "Lock":
        if self.acquire():
            return self
        raise self._unable()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        try:
            self.release()
        except LockError:
            if self.raise_on_release_error:
                raise
            self._warn_release()

    def acquire(
        self,
        sleep: Optional[Number] = None,
        blocking: Optional[bool] = None,
        blocking_timeout: Optional[Number] = None,
        token: Optional[TokenT] = None,
    ) -> bool:
        """Takes the lock: ``True`` once held. Without ``blocking`` (this call's, else the
        lock's), one try: ``False`` if another holder has it; blocking, it tries every
        ``sleep`` seconds and gives ``False`` when ``blocking_timeout`` would pass.
        ``token``: the value stored in the key (default: a random UUID)."""
        if sleep is None:
            sleep = self.sleep
        own = uuid.uuid1().hex.encode() if token is None else _encode(token)
        if blocking is None:
            blocking = self.blocking
        if blocking_timeout is None:
            blocking_timeout = self.blocking_timeout
        give_up_at = None if blocking_timeout is None else time.monotonic() + blocking_timeout
        while True:
            if self.do_acquire(own):
                self.local.token = own
                return True
            if not blocking:
                return False
            if give_up_at is not None and time.monotonic() + sleep > give_up_at:
                return False
            time.sleep(sleep)

    def do_acquire(self, token: bytes) -> bool:
        """One try: SET NX (with the timeout as PX)."""
        return bool(self.redis.set(self.name, token, nx=True, px=self._px()))

    def locked(self) -> bool:
        """Whether anyone holds the lock."""
        return self.redis.get(self.name) is not None

    def owned(self) -> bool:
        """Whether this lock (this thread's token, by default) holds the key."""
        return self._is_own(self.redis.get(self.name))

    def release(self) -> None:
        """Releases the lock: :class:`LockError` if this lock did not hold it,
        :class:`LockNotOwnedError` if the key no longer holds its token."""
        token = self._token()
        if token is None:
            raise self._not_held()
        self.local.token = None
        self.do_release(token)

    def do_release(self, expected_token: bytes) -> None:
        """Deletes the key if it still holds ``expected_token``."""
        if not self.lua_release(keys=[self.name], args=[expected_token], client=self.redis):
            raise self._not_owned("release")

    def extend(self, additional_time: Number, replace_ttl: bool = False) -> bool:
        """Adds ``additional_time`` seconds to the lock's TTL (``replace_ttl``: sets the TTL
        to it); ``True``. The lock needs a ``timeout``."""
        self._check_held("extend")
        return self.do_extend(additional_time, replace_ttl)

    def do_extend(self, additional_time: Number, replace_ttl: bool) -> bool:
        """Runs the extend script."""
        args = [self._token(), int(additional_time * 1000), "1" if replace_ttl else "0"]
        if not self.lua_extend(keys=[self.name], args=args, client=self.redis):
            raise self._not_owned("extend")
        return True

    def reacquire(self) -> bool:
        """Sets the lock's TTL back to its ``timeout``; ``True``."""
        self._check_held("reacquire")
        return self.do_reacquire()

    def do_reacquire(self) -> bool:
        """Runs the reacquire script."""
        args = [self._token(), self._px()]
        if not self.lua_reacquire(keys=[self.name], args=args, client=self.redis):
            raise self._not_owned("reacquire")
        return True


class AsyncLock(_LockBase):
    """The lock of the asyncio client (redis-py's ``redis.asyncio.lock.Lock``): the same
    settings as :class:`Lock`, its methods coroutines, ``async with``. Blocking waits
    with ``asyncio.sleep``, so the event loop runs meanwhile."""

    async def __aenter__(self) -> "AsyncLock":
        if await self.acquire():
            return self
        raise self._unable()

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        try:
            await self.release()
        except LockError:
            if self.raise_on_release_error:
                raise
            self._warn_release()

    async def acquire(
        self,
        blocking: Optional[bool] = None,
        blocking_timeout: Optional[Number] = None,
        token: Optional[TokenT] = None,
    ) -> bool:
        """As :meth:`Lock.acquire` (the lock's ``sleep`` between tries)."""
        own = uuid.uuid1().hex.encode() if token is None else _encode(token)
        if blocking is None:
            blocking = self.blocking
        if blocking_timeout is None:
            blocking_timeout = self.blocking_timeout
        loop = asyncio.get_running_loop()
        give_up_at = None if blocking_timeout is None else loop.time() + blocking_timeout
        while True:
            if await self.do_acquire(own):
                self.local.token = own
                return True
            if not blocking:
                return False
            if give_up_at is not None and loop.time() + self.sleep > give_up_at:
                return False
            await asyncio.sleep(self.sleep)

    async def do_acquire(self, token: bytes) -> bool:
        """One try: SET NX (with the timeout as PX)."""
        return bool(await self.redis.set(self.name, token, nx=True, px=self._px()))

    async def locked(self) -> bool:
        """Whether anyone holds the lock."""
        return await self.redis.get(self.name) is not None

    async def owned(self) -> bool:
        """Whether this lock holds the key."""
        return self._is_own(await self.redis.get(self.name))

    async def release(self) -> None:
        """As :meth:`Lock.release`; the token is dropped once the release answered (a
        release cancelled midway can be retried)."""
        token = self._token()
        if token is None:
            raise self._not_held()
        try:
            await self.do_release(token)
        except LockNotOwnedError:
            self.local.token = None
            raise
        self.local.token = None

    async def do_release(self, expected_token: bytes) -> None:
        """Deletes the key if it still holds ``expected_token``."""
        done = await self.lua_release(keys=[self.name], args=[expected_token], client=self.redis)
        if not done:
            raise self._not_owned("release")

    def extend(self, additional_time: Number, replace_ttl: bool = False) -> Any:
        """As :meth:`Lock.extend` (a coroutine; an unheld lock raises at the call)."""
        self._check_held("extend")
        return self.do_extend(additional_time, replace_ttl)

    async def do_extend(self, additional_time: Number, replace_ttl: bool) -> bool:
        """Runs the extend script."""
        args = [self._token(), int(additional_time * 1000), "1" if replace_ttl else "0"]
        if not await self.lua_extend(keys=[self.name], args=args, client=self.redis):
            raise self._not_owned("extend")
        return True

    def reacquire(self) -> Any:
        """As :meth:`Lock.reacquire` (a coroutine; an unheld lock raises at the call)."""
        self._check_held("reacquire")
        return self.do_reacquire()

    async def do_reacquire(self) -> bool:
        """Runs the reacquire script."""
        args = [self._token(), self._px()]
        if not await self.lua_reacquire(keys=[self.name], args=args, client=self.redis):
            raise self._not_owned("reacquire")
        return True


__all__ = ["AsyncLock", "Lock", "LockError", "LockNotOwnedError"]
