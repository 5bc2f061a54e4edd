"""Stock-and-flow model of the Anshan housing system: sectors, parameters, engine."""
