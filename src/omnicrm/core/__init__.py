"""Kernel types every capability shares: settings, money, time, errors."""
