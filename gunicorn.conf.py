"""Read by gunicorn from the working directory (the Procfile's `web:` and the benchmarks)."""
import gc


def post_worker_init(worker):
    """The app is built: move it out of the garbage collector's sight. Full collections
    otherwise walk every object of Flask, SQLAlchemy and the twilio client, stalling the
    worker's threads for a quarter of a second several times a minute under load."""
    gc.collect()
    gc.freeze()
