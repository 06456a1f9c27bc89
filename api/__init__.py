"""union-ledger composition root: settings, storage wiring, HTTP API, CLI and pages."""
