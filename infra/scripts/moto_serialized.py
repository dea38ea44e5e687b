"""moto's server, one request at a time.

moto checks a TransactWriteItems' conditions and then writes without a lock, so two
concurrent transactions on one item can both succeed; DynamoDB's transactions are
serializable. Serving one request at a time restores that (moto is bound by the GIL
anyway). Don't long-poll SQS against it: a waiting receive holds the lock.

It also fixes the order of FIFO redeliveries (see `receive_message` below), and keeps
two DynamoDB costs per partition as DynamoDB's are: a Query on the table reads only its
partition (`query`), and a transaction backs up only the partitions it writes
(`transact_write_items`).

usage: python moto_serialized.py HOST PORT
"""
import sys
import threading

from moto.server import DomainDispatcherApplication, create_backend_app
import copy

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.sqs.models import SQSBackend
from werkzeug.serving import run_simple

_receive_message = SQSBackend.receive_message


def receive_message(self, queue_name, *args, **kwargs):
    """A received message whose visibility timeout has passed is no longer in flight.

    moto forgets each such message only when its loop reaches it, so a FIFO group keeps
    counting as in flight until the last message of a timed-out batch, which is then
    delivered first: after a failed or killed batch m0..m4 it redelivers m4, then
    m0..m3. SQS redelivers m0..m4 in order. Forgetting them all up front does that.
    """
    queue = self.get_queue(queue_name)
    for message in list(queue.pending_messages):
        if message.visible:
            queue.pending_messages.remove(message)
    return _receive_message(self, queue_name, *args, **kwargs)


SQSBackend.receive_message = receive_message

_query = Table.query


def query(self, hash_key, *args, **kwargs):
    """A Query on the table (not an index) reads only the items of its partition.

    moto gathers and sorts every item of the table for each Query, so a timeline or a
    listing page costs as much as the whole table: 160 ms at 10,000 items, seconds with
    a year of incidents. DynamoDB reads the one partition. The partition's items are
    handed to moto's own Query through `all_items`, so its results are unchanged. An
    index query gets the table's items unsorted (moto sorts its matches by the index).
    """
    index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
    if not self.range_key_attr:
        return _query(self, hash_key, *args, **kwargs)
    if index_name or hash_key is None:
        # An index query still looks at every item, but moto sorts what it finds by
        # the index's keys itself: the whole table need not be sorted first.
        self.all_items = lambda: [i for p in self.items.values() for i in p.values()]
    else:
        partition = self.items.get(hash_key, {})
        # moto sorts what it finds by range key itself.
        self.all_items = lambda: list(partition.values())
    try:
        return _query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


Table.query = query

_transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items


class _KeepTables:
    """`copy` as moto's transaction sees it: its whole-table backup becomes the live
    table itself (the written partitions are backed up beside it instead)."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(x, memo=None):
        return x if isinstance(x, Table) else copy.deepcopy(x, memo)


def transact_write_items(self, transact_items):
    """moto backs up every table a transaction writes, whole, by deep copy: seconds per
    transaction once a table holds a year of incidents. The partitions it writes are
    enough to roll back, and are what is restored here if it fails."""
    backups = []
    for item in transact_items:
        _, op = next(iter(item.items()))
        table = self.tables.get(op.get("TableName"))
        if table is None:
            continue
        attrs = op.get("Key") or op.get("Item") or {}
        raw = attrs.get(table.hash_key_attr)
        if raw is None:
            continue
        hash_key = DynamoType(raw)
        backups.append((table, hash_key, copy.deepcopy(table.items.get(hash_key))))
    dynamodb_models.copy = _KeepTables()
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        for table, hash_key, partition in reversed(backups):
            if partition is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = partition
        raise
    finally:
        dynamodb_models.copy = copy


dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items

app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def serialized(environ, start_response):
    with lock:
        return list(app(environ, start_response))


if __name__ == "__main__":
    run_simple(sys.argv[1], int(sys.argv[2]), serialized, threaded=True)
