"""Land-supply policies, scenarios, scorecard, sweeps, plots and benchmarks."""
