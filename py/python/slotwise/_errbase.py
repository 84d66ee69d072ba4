"""The base of :class:`slotwise.RedisError`, a class of Python's own making.

The native module creates ``RedisError`` on this class rather than on ``Exception`` so that
its layout matches any exception class written in Python: CPython lets
``RedisError.__bases__`` become redis-py's ``RedisError`` only then (see
:mod:`slotwise.exceptions`). Nothing else should use it.
"""


class ErrorBase(Exception):
    """What :class:`slotwise.RedisError` derives from until redis-py is imported."""
