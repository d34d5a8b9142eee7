import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartData } from './digest.js';

/**
 * The digest's chart: a Vega-Lite spec drawn to SVG by Vega with no canvas
 * (the 'none' renderer; text is measured by estimate), then to PNG by resvg.
 * resvg draws text only with a font it can find: it loads the system's fonts
 * and prefers DejaVu Sans (Debian's fonts-dejavu-core); on a machine with no
 * font at all the bars still render, the words do not.
 */

const FONT = 'DejaVu Sans';
const SCALE = 2; // Slack shows the image at about half its size on a laptop; twice the pixels keeps it sharp.

export function digestChartSpec(data: ChartData): TopLevelSpec {
  const dayOrder = data.days.map((d) => d.label);
  const emptyWeek = data.days.every((d) => d.medianMinutes === null && d.p90Minutes === null);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: data.title, anchor: 'start', fontSize: 15 },
    background: 'white',
    padding: 12,
    config: {
      font: FONT,
      view: { stroke: null },
      axis: {
        labelFontSize: 11,
        titleFontSize: 11,
        titleFontWeight: 'normal',
        grid: true,
        gridColor: '#eee',
      },
      legend: { labelFontSize: 11, titleFontSize: 11 },
    },
    hconcat: [
      {
        title: {
          text: 'First response by day (minutes)',
          subtitle: ['bar: median · red tick: 90% answered within', 'number: conversations opened'],
          fontSize: 12,
          subtitleFontSize: 10,
          subtitleColor: '#555',
          anchor: 'start',
          offset: 18,
        },
        width: 340,
        height: 220,
        data: { values: data.days },
        layer: [
          {
            mark: { type: 'bar', color: '#4C78A8', cornerRadiusEnd: 2 },
            encoding: {
              x: { field: 'label', type: 'ordinal', sort: dayOrder, title: null, axis: { labelAngle: 0 } },
              // Whole minutes on the axis; an empty week keeps a 0–10 scale rather than one "0.000000" tick.
              y: {
                field: 'medianMinutes',
                type: 'quantitative',
                title: 'median',
                scale: emptyWeek ? { domain: [0, 10] } : { domainMin: 0 },
                axis: { format: 'd', tickMinStep: 1 },
              },
            },
          },
          {
            mark: { type: 'tick', color: '#E45756', thickness: 2, size: 18 },
            encoding: {
              x: { field: 'label', type: 'ordinal', sort: dayOrder },
              y: { field: 'p90Minutes', type: 'quantitative' },
            },
          },
          {
            mark: { type: 'text', dy: -6, baseline: 'bottom', fontSize: 10, color: '#555' },
            encoding: {
              x: { field: 'label', type: 'ordinal', sort: dayOrder },
              y: { value: 0 },
              text: { field: 'opened', type: 'quantitative' },
            },
          },
        ],
      },
      {
        title: {
          text: 'Load by person',
          subtitle: ['green: closed in the week', 'orange: open at week end'],
          fontSize: 12,
          subtitleFontSize: 10,
          subtitleColor: '#555',
          anchor: 'start',
        },
        width: 300,
        height: { step: 22 },
        data: { values: data.load },
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          y: { field: 'person', type: 'nominal', title: null, sort: null },
          x: {
            field: 'count',
            type: 'quantitative',
            title: 'conversations',
            stack: 'zero',
            // Conversations come whole: no 0.2 ticks when someone holds one.
            axis: { format: 'd', tickMinStep: 1 },
          },
          color: {
            field: 'kind',
            type: 'nominal',
            title: null,
            legend: null,
            scale: { domain: ['closed', 'open at week end'], range: ['#54A24B', '#F58518'] },
          },
        },
      },
    ],
  };
}

export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: SCALE },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT },
  });
  return resvg.render().asPng();
}

export async function renderDigestChart(data: ChartData): Promise<Buffer> {
  return svgToPng(await renderChartSvg(digestChartSpec(data)));
}
