"""union-ledger domain: aggregates, policy rules, values and the ledger Application.

Imports nothing from api/ or projections/, and no web framework or database driver.
"""
