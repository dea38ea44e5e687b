"""moto's server, one request at a time.

moto checks a TransactWriteItems' conditions and then writes without a lock, so two
concurrent transactions on one item can both succeed; DynamoDB's transactions are
serializable. Serving one request at a time restores that (moto is bound by the GIL
anyway). Don't long-poll SQS against it: a waiting receive holds the lock.

It also fixes the order of FIFO redeliveries (see `receive_message` below).

usage: python moto_serialized.py HOST PORT
"""
import sys
import threading

from moto.server import DomainDispatcherApplication, create_backend_app
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

app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def serialized(environ, start_response):
    with lock:
        return list(app(environ, start_response))


if __name__ == "__main__":
    run_simple(sys.argv[1], int(sys.argv[2]), serialized, threaded=True)
