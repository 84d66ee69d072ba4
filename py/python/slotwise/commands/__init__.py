"""The command methods, written once with redis-py's names, arguments and return types, and
shared by :class:`slotwise.Cluster`, :class:`slotwise.asyncio.Cluster` and both pipelines.

One module per family (as redis-py groups them), each a mixin over
:class:`~._base.CommandsBase`. Each method builds an argv and hands it to ``self._call`` (or
``self._call_with`` when the reply needs a Python-side conversion): the sync client runs it,
the asyncio client returns a coroutine, a pipeline queues it and returns itself. Replies are
converted in the native module (``GET`` gives ``bytes``, ``SET`` gives ``True``, ``HGETALL`` a
``dict``, ...).
"""

from ._base import EncodableT, KeyT, ResponseT, parse_info
from .server import ServerCommands
from .strings import StringCommands
from .keys import KeyCommands
from .bitmaps import BitmapCommands
from .hashes import HashCommands
from .lists import ListCommands
from .sets import SetCommands
from .sorted_sets import SortedSetCommands
from .hyperloglog import HyperLogLogCommands
from .geo import GeoCommands
from .streams import StreamCommands
from .scripting import ScriptingCommands
from .cluster import ClusterCommands
from .hotkeys import HotkeysCommands
from .arrays import ArrayCommands
from .cluster_admin import ClusterAdminCommands
from .pubsub_info import PubSubInfoCommands
from .acl import AclCommands
from .management import ManagementCommands


class Commands(
    ServerCommands,  # first: its keys()/dbsize() take target_nodes
    StringCommands,
    KeyCommands,
    BitmapCommands,
    HashCommands,
    ListCommands,
    SetCommands,
    SortedSetCommands,
    HyperLogLogCommands,
    GeoCommands,
    StreamCommands,
    ScriptingCommands,
    ClusterCommands,
    HotkeysCommands,
    ArrayCommands,
    ClusterAdminCommands,
    PubSubInfoCommands,
    AclCommands,
    ManagementCommands,
):
    """Redis commands with redis-py's signatures, every family."""


__all__ = ["Commands", "EncodableT", "KeyT", "ResponseT", "parse_info"]
