"""The government big-data warehouse (政务大数据): a star model of cases fed by the platform's events,
rebuildable from the topics, and the aggregate queries of the leaders' cockpit (docs/warehouse.md)."""
