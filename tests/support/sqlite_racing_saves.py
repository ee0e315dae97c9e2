"""Run by tests/bury_hc/test_sqlite_concurrency.py in a fresh interpreter: N threads each save
their own record of a file SQLite database, read-then-write inside a transaction (as every
service does), at the same moment. Prints {"saves": n, "errors": [...]} as JSON.

Usage: python -m tests.support.sqlite_racing_saves DB_PATH THREADS ROUNDS [TRANSACTION_MODE]
(settings' own transaction mode unless one is given, e.g. DEFERRED to compare).
"""

import json
import os
import sys
import threading


def main() -> None:
    path, threads, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bury_hc.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    import django
    from django.conf import settings

    if len(sys.argv) > 4:
        settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] = sys.argv[4]
    django.setup()
    from django.db import connection, connections, transaction

    from plans.models import Organisation

    with connection.schema_editor() as editor:
        editor.create_model(Organisation)
    ids = [
        Organisation.objects.create(name=f"Org {n}", short_name=f"O{n}", kind="other").pk
        for n in range(threads)
    ]
    connection.close()
    start = threading.Barrier(threads)
    errors: list[str] = []
    saves = 0
    lock = threading.Lock()

    def save(pk: int) -> None:
        nonlocal saves
        start.wait()
        for round_ in range(rounds):
            try:
                with transaction.atomic():
                    organisation = Organisation.objects.get(pk=pk)
                    organisation.name = f"{organisation.name.split(' v')[0]} v{round_}"
                    organisation.save()
                with lock:
                    saves += 1
            except Exception as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
        connections.close_all()

    workers = [threading.Thread(target=save, args=(pk,)) for pk in ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps({"saves": saves, "errors": errors}))


if __name__ == "__main__":
    main()
