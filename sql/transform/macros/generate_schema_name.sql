{#- A folder's +schema (or a model's schema config) is the schema itself, as the warehouse
    names them (staging, analytics); without one, the target schema. dbt's default would
    prefix the target schema (public_staging). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
