// The dashboard's charts as Apache ECharts options, built from the panels' answers. Pure data
// (no DOM, no ECharts import), so node tests what each chart shows. Colours are Okabe-Ito,
// which stays distinguishable with the common colour-vision deficiencies; every series also
// has a label or a legend entry in words. Tooltips are drawn on the canvas ('richText'), not
// as HTML: the console's CSP allows no inline style, which HTML tooltips would need.

import {add_days, format_count, format_money, format_money_short, format_percent, outcomes}
    from './dashboard_state.js';

/** Okabe-Ito. */
export const palette = {
  blue: '#0072B2',
  orange: '#E69F00',
  sky: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  grey: '#8C8C8C',
};

/** One fixed colour per session outcome, the same in every range and filter. */
export const outcome_colours = {
  purchase: palette.green,
  checkout_error: palette.vermillion,
  cart_abandonment: palette.orange,
  browse_only: palette.sky,
  bounce: palette.grey,
};

/**
 * The colours of the page's light theme; the page passes the dark ones when it is dark, and
 * `compact` when the chart is narrow (a phone): shorter labels, legends with room to wrap.
 */
export const light_theme = {fg: '#1b1f24', muted: '#57606a', border: '#d0d7de', bg: '#ffffff',
                            compact: false};

function base(theme) {
  return {
    animation: false,
    textStyle: {color: theme.fg, fontFamily: 'system-ui, sans-serif'},
    tooltip: {renderMode: 'richText', confine: true},
  };
}

const axis_style = (theme) => ({
  axisLine: {lineStyle: {color: theme.border}},
  axisLabel: {color: theme.muted},
  splitLine: {lineStyle: {color: theme.border, opacity: 0.6}},
});

/** "Nov 5": a day on the daily chart's axis. */
export function short_day(day) {
  const d = new Date(`${day}T00:00:00Z`);
  return new Intl.DateTimeFormat('en-US', {month: 'short', day: 'numeric', timeZone: 'UTC'})
      .format(d);
}

/**
 * Daily Traffic & Revenue: sessions as bars on the left axis, revenue as a line on the right,
 * and the previous period's sessions and revenue (same offset day) as faint dashed lines.
 */
export function daily_option(body, theme = light_theme) {
  const days = body?.days ?? [];
  const x = days.map((d) => d.day);
  return {
    ...base(theme),
    tooltip: {...base(theme).tooltip, trigger: 'axis'},
    legend: {top: 0, textStyle: {color: theme.fg}, itemGap: theme.compact ? 8 : 12,
             data: ['Sessions', 'Revenue', 'Previous sessions', 'Previous revenue']},
    grid: {left: 8, right: 8, top: theme.compact ? 84 : 56, bottom: 8, containLabel: true},
    xAxis: {type: 'category', data: x, ...axis_style(theme),
            axisLabel: {color: theme.muted, formatter: short_day, hideOverlap: true}},
    yAxis: [
      {type: 'value', name: 'Sessions', minInterval: 1, nameTextStyle: {color: theme.muted},
       ...axis_style(theme)},
      {type: 'value', name: 'Revenue', nameTextStyle: {color: theme.muted},
       ...axis_style(theme), splitLine: {show: false},
       axisLabel: {color: theme.muted, formatter: format_money_short}},
    ],
    series: [
      {name: 'Sessions', type: 'bar', yAxisIndex: 0, data: days.map((d) => d.sessions),
       itemStyle: {color: palette.sky}, barMaxWidth: 28,
       tooltip: {valueFormatter: format_count}},
      {name: 'Revenue', type: 'line', yAxisIndex: 1, data: days.map((d) => d.revenue),
       itemStyle: {color: palette.vermillion}, lineStyle: {width: 2.5},
       symbol: 'circle', symbolSize: 5, showSymbol: days.length <= 31,
       tooltip: {valueFormatter: format_money}},
      {name: 'Previous sessions', type: 'line', yAxisIndex: 0,
       data: days.map((d) => d.previous_sessions), step: 'middle', symbol: 'none',
       itemStyle: {color: palette.blue}, lineStyle: {type: 'dashed', width: 1.5, opacity: 0.45},
       tooltip: {valueFormatter: format_count}},
      {name: 'Previous revenue', type: 'line', yAxisIndex: 1,
       data: days.map((d) => d.previous_revenue), symbol: 'none',
       itemStyle: {color: palette.orange}, lineStyle: {type: 'dotted', width: 1.5, opacity: 0.55},
       tooltip: {valueFormatter: format_money}},
    ],
  };
}

/** Session Outcomes: a donut, one fixed colour per outcome, the share in each label. */
export function outcomes_option(body, theme = light_theme) {
  const by_key = new Map((body?.outcomes ?? []).map((o) => [o.outcome, o.sessions]));
  return {
    ...base(theme),
    tooltip: {...base(theme).tooltip, trigger: 'item',
              formatter: (p) => `${p.name}: ${format_count(p.value)} (${p.percent}%)`},
    legend: {bottom: 0, textStyle: {color: theme.fg}, itemGap: 10},
    series: [{
      name: 'Session outcomes',
      type: 'pie',
      radius: theme.compact ? ['32%', '56%'] : ['42%', '68%'],
      center: ['50%', theme.compact ? '40%' : '45%'],
      avoidLabelOverlap: true,
      itemStyle: {borderColor: theme.bg, borderWidth: 2},
      label: {color: theme.fg,
              formatter: (p) => (theme.compact ? `${Math.round(p.percent)}%` :
                  `${format_count(p.value)} (${Math.round(p.percent * 10) / 10}%)`)},
      data: outcomes.map((o) => ({
        name: o.label, value: by_key.get(o.key) ?? 0, outcome: o.key,
        itemStyle: {color: outcome_colours[o.key]},
      })),
    }],
  };
}

/**
 * Conversion Funnel: the five stages as bars from the top, each labelled with its sessions,
 * the share of the previous step and of the first.
 */
export function funnel_option(body, theme = light_theme) {
  const stages = body?.stages ?? [];
  const colours = [palette.blue, palette.sky, palette.green, palette.orange, palette.vermillion];
  return {
    ...base(theme),
    tooltip: {...base(theme).tooltip, trigger: 'item',
              formatter: (p) => {
                const s = stages[p.dataIndex];
                return `${s.label}: ${format_count(s.sessions)} sessions\n` +
                    `${format_percent(s.of_previous)} of the previous step, ` +
                    `${format_percent(s.of_first)} of all`;
              }},
    grid: {left: 8, right: 110, top: 8, bottom: 8, containLabel: true},
    xAxis: {type: 'value', show: false, max: Math.max(1, stages[0]?.sessions ?? 0)},
    yAxis: {type: 'category', inverse: true, data: stages.map((s) => s.label),
            axisTick: {show: false}, axisLine: {show: false},
            axisLabel: {color: theme.fg}},
    series: [{
      name: 'Conversion funnel',
      type: 'bar',
      barMaxWidth: 34,
      data: stages.map((s, i) => ({value: s.sessions, itemStyle: {color: colours[i % 5]}})),
      label: {
        show: true, position: 'right', color: theme.fg,
        formatter: (p) => {
          const s = stages[p.dataIndex];
          return p.dataIndex === 0 ? format_count(s.sessions) :
              `${format_count(s.sessions)} · ${format_percent(s.of_previous, 0)} · ` +
                  `${format_percent(s.of_first, 0)}`;
        },
      },
    }],
  };
}

/** Top Products by Revenue: horizontal bars, the best on top, "N sold" beside each. */
export function products_option(body, theme = light_theme) {
  const products = body?.products ?? [];
  return {
    ...base(theme),
    tooltip: {...base(theme).tooltip, trigger: 'item',
              formatter: (p) => {
                const x = products[p.dataIndex];
                return `${x.name} (${x.brand}, ${x.category})\n${format_money(x.revenue)} · ` +
                    `${format_count(x.units_sold)} sold · ${format_count(x.views)} views\n` +
                    'Click to filter by this product';
              }},
    grid: {left: 8, right: 70, top: 8, bottom: 8, containLabel: true},
    xAxis: {type: 'value', ...axis_style(theme), splitNumber: theme.compact ? 2 : 4,
            axisLabel: {color: theme.muted, formatter: format_money_short, hideOverlap: true}},
    yAxis: {type: 'category', inverse: true, data: products.map((p) => p.name),
            axisTick: {show: false}, triggerEvent: true,
            axisLabel: {color: theme.fg, width: theme.compact ? 110 : 150,
                        overflow: 'truncate'}},
    series: [{
      name: 'Revenue',
      type: 'bar',
      barMaxWidth: 22,
      cursor: 'pointer',
      itemStyle: {color: palette.blue},
      data: products.map((p) => ({value: p.revenue, product_id: p.product_id})),
      label: {show: true, position: 'right', color: theme.fg,
              formatter: (p) => `${format_count(products[p.dataIndex].units_sold)} sold`},
    }],
  };
}

/**
 * Cohort Retention as a heatmap table (drawn as HTML, not on a canvas: a real table reads
 * aloud and stays legible on a phone): one row per cohort, weeks 0–8 across. Each cell has its
 * percentage as text and a shade class `heat-0`..`heat-10` (tenths of retention, a pale-to-deep
 * blue scale that every colour-vision type reads as lighter/darker); weeks that have not begun
 * by `today` are `heat-none` and empty rather than drawn as 0%.
 * Returns [{cohort, size, cells: [{week, text, shade, title}]}].
 */
export function cohort_grid(body, today = null) {
  return (body?.cohorts ?? []).map((c) => ({
    cohort: c.cohort,
    size: c.size,
    cells: Array.from({length: 9}, (_, week) => {
      const w = (c.weeks ?? []).find((x) => x.week === week);
      const begun = !today || add_days(c.cohort, 7 * week) <= today;
      if (!w || !begun || w.retention === null || w.retention === undefined) {
        return {week, text: '', shade: 'heat-none',
                title: begun ? `week ${week}: no figure` : `week ${week} has not begun`};
      }
      const r = Math.min(1, Math.max(0, Number(w.retention)));
      return {week, text: format_percent(r, 0), shade: `heat-${Math.round(r * 10)}`,
              title: `Cohort ${c.cohort}, week ${week}: ${format_count(w.active)} of ` +
                  `${format_count(c.size)} active`};
    }),
  }));
}

/** "04:36": a minute of the live panel, in the browser's time zone. */
export function clock(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) :
      `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

const round1 = (x) => Math.round(x * 10) / 10;
const counted = (n, what) => `${format_count(n)} ${what}${Number(n) === 1 ? '' : 's'}`;

/**
 * The live sparkline's geometry: events per minute over the last 30 minutes as a line over a
 * light area, visitors as a dashed line, on one scale from 0 (the look ECharts gave it). The
 * page draws it as SVG of its own: the first screen then needs the charting library for the
 * daily chart only. Coordinates are in a `width`×`height` box, 2 px in from the sides and the
 * bottom and 6 px from the top; the lines' strokes and colours are the stylesheet's
 * (`.spark-*`). Returns {width, height, events_line, events_area, visitors_line, minutes:
 * [{x, left, right, text}] (each minute's column, for its hover text), summary (in words)}.
 */
export function live_sparkline(body, width = 300, height = 80) {
  const minutes = body?.per_minute ?? [];
  const left = 2;
  const right = width - 2;
  const top = 6;
  const bottom = height - 2;
  const max = Math.max(1, ...minutes.map((m) => Math.max(Number(m.events) || 0,
                                                         Number(m.visitors) || 0)));
  const step = minutes.length > 1 ? (right - left) / (minutes.length - 1) : 0;
  const x = (i) => round1(minutes.length > 1 ? left + i * step : (left + right) / 2);
  const y = (v) => round1(bottom - (Math.max(0, Number(v) || 0) / max) * (bottom - top));
  const line = (key) => minutes.map((m, i) => `${i === 0 ? 'M' : 'L'}${x(i)} ${y(m[key])}`)
                                .join(' ');
  const events_line = line('events');
  const events_area = minutes.length === 0 ? '' :
      `${events_line} L${x(minutes.length - 1)} ${bottom} L${x(0)} ${bottom} Z`;
  const columns = minutes.map((m, i) => ({
    x: x(i),
    left: round1(Math.max(0, x(i) - step / 2)),
    right: round1(Math.min(width, minutes.length > 1 ? x(i) + step / 2 : width)),
    text: `${clock(m.minute)}: ${counted(m.events, 'event')}, ${counted(m.visitors, 'visitor')}`,
  }));
  const peak = minutes.reduce((best, m) => (best === null || m.events > best.events ? m : best),
                              null);
  const last = minutes[minutes.length - 1];
  const summary = minutes.length === 0 ? 'Events per minute, last 30 minutes: none' :
      `Events per minute, last 30 minutes: ${format_count(last.events)} in the last minute, ` +
          `at most ${format_count(peak.events)} (${clock(peak.minute)})`;
  return {width, height, events_line, events_area, visitors_line: line('visitors'),
          minutes: columns, summary};
}

/** What a click on a chart element filters by: {key, value}, or null. */
export function click_filter(chart, params, body) {
  if (!params) return null;
  if (chart === 'outcomes' && params.componentType === 'series') {
    const o = outcomes.find((x) => x.label === params.name);
    return o ? {key: 'outcome', value: o.key} : null;
  }
  if (chart === 'products') {
    const products = body?.products ?? [];
    const p = params.componentType === 'series' ? products[params.dataIndex] :
        (params.componentType === 'yAxis' ? products.find((x) => x.name === params.value) :
                                            undefined);
    return p ? {key: 'product', value: p.product_id} : null;
  }
  return null;
}
