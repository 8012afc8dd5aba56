"""Predictions over the analytics snapshot: customer lifetime value (BG/NBD, Pareto/NBD,
Gamma-Gamma), churn with reasons and a retention action, recommendations and buyers for a
product, clusters; models versioned with their training window and holdout metrics."""
