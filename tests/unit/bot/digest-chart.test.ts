import { convertIndexedToRgb, decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { digestChartSpec, renderChartSvg, renderDigestChart } from '../../../src/bot/digest/chart.js';
import type { ChartData } from '../../../src/bot/digest/digest.js';

const data: ChartData = {
  title: 'Week of 30 Nov – 6 Dec 2026',
  days: ['Mon 30', 'Tue 1', 'Wed 2', 'Thu 3', 'Fri 4', 'Sat 5', 'Sun 6'].map((label, i) => ({
    label,
    opened: i * 2,
    medianMinutes: i === 5 ? null : 10 + i * 5,
    p90Minutes: i === 5 ? null : 40 + i * 8,
  })),
  load: [
    { person: 'Olga Owner', kind: 'closed', count: 3 },
    { person: 'Olga Owner', kind: 'open at week end', count: 1 },
    { person: 'Sam', kind: 'closed', count: 8 },
    { person: 'Sam', kind: 'open at week end', count: 2 },
  ],
};

/** Width and height from a PNG's IHDR chunk, which always comes first after the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** The PNG decoded to 8-bit RGB(A) pixels: whatever resvg chose, a decoder that reads it is the test. */
function pixels(png: Buffer): { width: number; height: number; rgb: (i: number) => number; count: number } {
  const image = decode(png);
  const data = image.palette ? convertIndexedToRgb(image) : image.data;
  const channels = image.palette ? (image.transparency ? 4 : 3) : (image.channels ?? 4);
  // 16-bit samples keep their high byte, so colours compare as 8-bit everywhere.
  const sample = (i: number) => (image.depth === 16 ? data[i]! >> 8 : data[i]!);
  const rgb = (i: number) => {
    if (channels < 3) return sample(i * channels) * 0x010101; // grey, or grey and alpha
    const at = i * channels;
    return (sample(at) << 16) | (sample(at + 1) << 8) | sample(at + 2);
  };
  return { width: image.width, height: image.height, rgb, count: image.width * image.height };
}

/** Pixels within a small distance of `hex` (antialiased edges and the PNG's rounding aside). */
function near(rgb: number, hex: number, tolerance = 24): boolean {
  return [16, 8, 0].every(
    (shift) => Math.abs(((rgb >> shift) & 0xff) - ((hex >> shift) & 0xff)) <= tolerance,
  );
}

describe('the digest chart', () => {
  it('draws the response times and the load as SVG with their labels', async () => {
    const svg = await renderChartSvg(digestChartSpec(data));
    expect(svg.startsWith('<svg')).toBe(true);
    for (const word of ['First response by day', 'Load by person', 'Olga Owner', 'Sun 6']) {
      expect(svg).toContain(word);
    }
  });

  it('renders a PNG of a size Slack shows well', async () => {
    const png = await renderDigestChart(data);
    expect(png.length).toBeGreaterThan(5_000);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const { width, height } = pngSize(png);
    expect(width).toBeGreaterThan(1200);
    expect(width).toBeLessThan(2400);
    expect(height).toBeGreaterThan(400);
    expect(height).toBeLessThan(1200);
  });

  it('renders a PNG that decodes to the drawn chart, not a blank page', async () => {
    const spec = digestChartSpec(data);
    const svg = await renderChartSvg(spec);
    const svgWidth = Number(/^<svg[^>]* width="([\d.]+)"/.exec(svg)?.[1]);
    const svgHeight = Number(/^<svg[^>]* height="([\d.]+)"/.exec(svg)?.[1]);
    const image = pixels(await renderDigestChart(data));
    // Twice the SVG's size: the scale that keeps it sharp in Slack.
    expect(image.width).toBe(Math.round(svgWidth * 2));
    expect(image.height).toBe(Math.round(svgHeight * 2));

    const colours = new Map<number, number>();
    for (let i = 0; i < image.count; i++) {
      const c = image.rgb(i);
      colours.set(c, (colours.get(c) ?? 0) + 1);
    }
    const white = colours.get(0xffffff) ?? 0;
    // Mostly a white page, but with a real share of ink: bars, ticks, axes and labels.
    expect(white / image.count).toBeGreaterThan(0.4);
    expect(white / image.count).toBeLessThan(0.97);
    expect(colours.size).toBeGreaterThan(50);
    // Each series is there in its own colour, as solid areas rather than a stray pixel.
    const inColour = (hex: number) =>
      [...colours].reduce((n, [c, count]) => (near(c, hex) ? n + count : n), 0);
    expect(inColour(0x4c78a8)).toBeGreaterThan(20_000); // median bars
    expect(inColour(0xec8989)).toBeGreaterThan(300); // 90% ticks: #E45756 at a tick's 0.7 opacity on white
    expect(inColour(0x54a24b)).toBeGreaterThan(10_000); // closed
    expect(inColour(0xf58518)).toBeGreaterThan(2_000); // open at week end
  });

  it('renders an empty week without failing', async () => {
    const png = await renderDigestChart({
      ...data,
      days: data.days.map((d) => ({ ...d, opened: 0, medianMinutes: null, p90Minutes: null })),
      load: [],
    });
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    const image = pixels(png);
    expect(image.width).toBeGreaterThan(600);
    // No bars to draw: none of the series' colours, but still the titles and axes.
    let bars = 0;
    let ink = 0;
    for (let i = 0; i < image.count; i++) {
      const c = image.rgb(i);
      if (near(c, 0x4c78a8) || near(c, 0x54a24b) || near(c, 0xf58518)) bars++;
      if (c !== 0xffffff) ink++;
    }
    expect(bars).toBe(0);
    expect(ink).toBeGreaterThan(0);
  });
});
