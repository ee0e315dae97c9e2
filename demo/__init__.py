"""The Bury demo data: loaded from `fixtures/` through each domain app's services.

`demo.loader.demo_load` is the entry point (and `manage.py load_bury_demo`); one module per
domain app loads that app's part (`demo/plans.py`, `programmes.py`, `performance.py`,
`finance.py`, `scrutiny.py`), with the demo accounts in `demo/accounts.py`.
"""
