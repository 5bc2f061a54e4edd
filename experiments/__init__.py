"""Land-supply policies, scenarios, scorecard, sweeps, figures and benchmarks."""
