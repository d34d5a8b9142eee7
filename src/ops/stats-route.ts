import { z } from 'zod';
import { PERIODS, type Period, type ResponseFigures } from '../bot/response-figures.js';
import { type Route, sendJson } from '../http-server.js';

/**
 * GET /stats?period=week|month on the operations port: the response-time
 * figures App Home and `/firsthand stats` show, as JSON for charts elsewhere.
 * An unknown parameter is refused rather than ignored, so a misspelt
 * `perod=month` cannot quietly answer for a week.
 */
export const StatsQuerySchema = z.strictObject({
  period: z.enum(PERIODS as [Period, ...Period[]]).default('week'),
});

export function statsRoute(load: (period: Period) => Promise<ResponseFigures>): Route {
  return async (req, res) => {
    const query = new URL(req.url ?? '/', 'http://ops').searchParams;
    const parsed = StatsQuerySchema.safeParse(Object.fromEntries(query));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = String(issue.path[0] ?? ('keys' in issue ? issue.keys[0] : 'query'));
      return sendJson(res, 400, { error: `${field}: ${issue.message}`, field });
    }
    sendJson(res, 200, await load(parsed.data.period));
  };
}
