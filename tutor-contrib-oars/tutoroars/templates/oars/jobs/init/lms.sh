# oars-platform (tutor-contrib-oars): the ClickHouse schema. The Django tables of oars_platform are created by
# Tutor's own LMS init task (`./manage.py lms migrate`), which runs before this one.
{%- if OARS_RUN_CLICKHOUSE and "aspects" not in PLUGINS %}
dockerize -wait tcp://{{ OARS_CLICKHOUSE_HOST }}:{{ OARS_CLICKHOUSE_PORT }} -timeout 60s
{%- endif %}
./manage.py lms migrate_clickhouse
