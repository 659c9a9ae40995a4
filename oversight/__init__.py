"""Dashboards, accountability figures and periodic reports for overseers, leaders and heads."""
