"""Analytics (A1-A5, A7): KPIs, RFM, ABC/XYZ, cohorts, funnel, attribution and the retail reports,
computed on a columnar snapshot of the operational store (``snapshot``), never on the store."""
