// The dashboard's build of Apache ECharts: only the chart types and components its charts use
// (web/dashboard_charts.js: bars, lines and a donut on cartesian grids, with legends and
// tooltips, drawn on canvas), about three quarters of ECharts' ready-made "common" build, so
// the page has less to download, parse and run before its first chart. esbuild bundles it at
// build time (src/console/CMakeLists.txt) into one script that defines the global `echarts`.
// A chart type or component used by the page but missing here fails the browser test: ECharts
// draws nothing for it.
import {init, use} from 'echarts/core';
import {BarChart, LineChart, PieChart} from 'echarts/charts';
import {GridComponent, LegendPlainComponent, TooltipComponent} from 'echarts/components';
import {CanvasRenderer} from 'echarts/renderers';

use([BarChart, LineChart, PieChart, GridComponent, LegendPlainComponent, TooltipComponent,
     CanvasRenderer]);

export {init};
