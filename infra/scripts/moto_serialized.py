"""moto's server, one request at a time.

moto checks a TransactWriteItems' conditions and then writes without a lock, so two
concurrent transactions on one item can both succeed; DynamoDB's transactions are
serializable. Serving one request at a time restores that (moto is bound by the GIL
anyway). Don't long-poll SQS against it: a waiting receive holds the lock.

usage: python moto_serialized.py HOST PORT
"""
import sys
import threading

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def serialized(environ, start_response):
    with lock:
        return list(app(environ, start_response))


if __name__ == "__main__":
    run_simple(sys.argv[1], int(sys.argv[2]), serialized, threaded=True)
