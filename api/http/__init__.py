"""The JSON HTTP API: api.http.app.create_app(settings) builds it, no import-time state."""
