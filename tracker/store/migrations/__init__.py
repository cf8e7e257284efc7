"""Alembic's migration environment for the tracker's tables, shipped inside the package.

Run through tracker.store.migrate (`tracker db upgrade`), which configures Alembic in code:
there is no alembic.ini. `versions/` holds one module per revision; 0001 is the baseline,
the schema as it stood at commit 65e150d (the last made by create_all).
"""
