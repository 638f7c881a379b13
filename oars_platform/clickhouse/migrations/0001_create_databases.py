"""Create our three databases: ``xapi`` (raw statements), ``event_sink`` (platform data), ``oars`` (our own)."""

from oars_platform.clickhouse.ddl import CreateDatabase

OPERATIONS = [CreateDatabase("xapi"), CreateDatabase("event_sink"), CreateDatabase("oars")]
