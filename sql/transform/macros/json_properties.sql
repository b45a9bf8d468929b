{#- Typed values out of a jsonb properties object. Clients send what they like: a value of the
    wrong type (a price of "cheap", a quantity of 1.5, an object where text belongs) becomes
    NULL, never a failed model. Nested CASEs keep each cast behind its check (PostgreSQL does
    not promise the order in which AND evaluates its operands). -#}

{#- Text of a string, number or boolean; NULL for objects, arrays, null and absent keys. -#}
{% macro json_text(column, key) -%}
    case when jsonb_typeof({{ column }} -> '{{ key }}') in ('string', 'number', 'boolean')
         then nullif({{ column }} ->> '{{ key }}', '') end
{%- endmacro %}

{#- A number, or a string holding a plain decimal ("19.99"); anything else is NULL. -#}
{% macro json_numeric(column, key) -%}
    case jsonb_typeof({{ column }} -> '{{ key }}')
         when 'number' then ({{ column }} ->> '{{ key }}')::numeric
         when 'string' then
           case when {{ column }} ->> '{{ key }}' ~ '^\s*-?[0-9]{1,15}(\.[0-9]{1,15})?\s*$'
                then btrim({{ column }} ->> '{{ key }}')::numeric end
    end
{%- endmacro %}

{#- A whole number that fits an integer (2 and 2.0 alike), or such a string; else NULL. -#}
{% macro json_integer(column, key) -%}
    case jsonb_typeof({{ column }} -> '{{ key }}')
         when 'number' then
           case when ({{ column }} ->> '{{ key }}')::numeric between -2147483648 and 2147483647
                then case when ({{ column }} ->> '{{ key }}')::numeric % 1 = 0
                          then ({{ column }} ->> '{{ key }}')::numeric::integer end end
         when 'string' then
           case when {{ column }} ->> '{{ key }}' ~ '^\s*-?[0-9]{1,9}\s*$'
                then btrim({{ column }} ->> '{{ key }}')::integer end
    end
{%- endmacro %}

{#- true only for a JSON true. -#}
{% macro json_flag(column, key) -%}
    coalesce(jsonb_typeof({{ column }} -> '{{ key }}') = 'boolean'
             and ({{ column }} -> '{{ key }}') = 'true'::jsonb, false)
{%- endmacro %}
