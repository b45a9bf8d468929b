{#- The calendar day of a timestamptz in the reporting time zone (var reporting_time_zone,
    default UTC), as a date. The zone name is a SQL string literal with quotes doubled, so
    any var value is data, never SQL. -#}
{% macro reporting_time_zone() -%}
    '{{ var("reporting_time_zone", "UTC") | string | replace("'", "''") }}'
{%- endmacro %}

{% macro reporting_day(ts) -%}
    (({{ ts }}) at time zone {{ reporting_time_zone() }})::date
{%- endmacro %}
