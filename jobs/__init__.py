"""Scheduled entry points for newsdedup."""
