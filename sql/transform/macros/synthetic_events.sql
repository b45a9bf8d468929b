{#- Events of simulated shoppers (is_synthetic: properties._synthetic is true; the traffic
    simulator and the shop's orders for its checkouts set it) stay in raw_data and staging,
    where they are counted apart, and are left out of every model built from staging unless
    var include_synthetic (a boolean) is true. serve sets it while its own synthetic traffic
    runs, so a demo's dashboard is not empty; its --print-config and the dashboard say so.
    Use inside a WHERE clause: `where not is_bot {{ and_not_synthetic() }}`. Changing the var
    needs a full refresh of the incremental models to apply to the rows they already hold. -#}
{% macro and_not_synthetic() -%}
    {%- if not var('include_synthetic', false) %}and not is_synthetic{% endif -%}
{%- endmacro %}
