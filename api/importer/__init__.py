"""Collective registration import (art. 7): parse, validate, report, template, run."""
