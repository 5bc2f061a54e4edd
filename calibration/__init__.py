"""Observed 2016-2019 data, objective, optimiser and fit statistics."""
