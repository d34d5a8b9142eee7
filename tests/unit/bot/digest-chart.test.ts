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

  it('renders an empty week without failing', async () => {
    const png = await renderDigestChart({
      ...data,
      days: data.days.map((d) => ({ ...d, opened: 0, medianMinutes: null, p90Minutes: null })),
      load: [],
    });
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
  });
});
