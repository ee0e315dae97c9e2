"""The Bury demo data: real figures from Bury's published documents, loaded from `fixtures/`.

`demo_load` reads the YAML and CSV files in the fixtures folder (and nothing else), checks each
file, and writes through the apps' services inside one transaction, one loader per app. It is
idempotent: every row is keyed on its natural key, so a second run creates nothing and changes
nothing, and reports so. What each file holds and where it came from: fixtures/README.md.

The demo app composes the domain apps; nothing but its command imports it.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from demo.accounts import accounts_load
from demo.base import DemoDataError, DemoLoad, DemoLoadResult, DemoUser, EntityChanges
from demo.finance import finance_load
from demo.performance import performance_load
from demo.plans import plans_load
from demo.programmes import programmes_load
from demo.scrutiny import scrutiny_load

__all__ = ["DemoDataError", "DemoLoadResult", "DemoUser", "EntityChanges", "demo_load"]

# In dependency order: each loader links to rows the ones before it loaded.
LOADERS = (
    accounts_load,
    plans_load,
    programmes_load,
    performance_load,
    finance_load,
    scrutiny_load,
)


@transaction.atomic
def demo_load(
    *, fixtures_dir: Path, with_demo_users: bool = False, reset_passwords: bool = False
) -> DemoLoadResult:
    """Load (or re-load) the Bury demo data from `fixtures_dir`, all or nothing.

    Idempotent: rows are matched on natural keys and saved only where a value differs; an
    import batch is recorded once per distinct file. With `with_demo_users`, one account per
    role (one of them a superuser) is created with a generated password, returned once in the
    result; existing accounts keep theirs unless `reset_passwords` is set. Without it no
    account is created or changed. Raises `DemoDataError` (and writes nothing) if a file is
    wrong.
    """
    load = DemoLoad(
        Path(fixtures_dir), with_demo_users=with_demo_users, reset_passwords=reset_passwords
    )
    for loader in LOADERS:
        loader(load)
    return load.result()
