"""The dashboard and the analytics pages of the workstation (A1-A6): filters read from the query
string, analyses run on the columnar snapshot and cached per filter set, figures built here as
plotly JSON, tables formatted for the viewer's language."""
