import type { RouteConfig } from './http-api-config.ts';

/**
 * The segments of a path as API Gateway compares them: `//` and a trailing slash make an empty
 * segment (which no route has), `/` has none. Not collapsing them is what keeps `//v1/referrals/1`
 * or `/v1/referrals/` off the routes here as on AWS.
 */
export function splitPath(path: string): string[] {
  if (path === '/') return [];
  // Only an origin-form path (`/...`) can match; `*` or an absolute URL has a segment no route has.
  return path.startsWith('/') ? path.slice(1).split('/') : [''];
}

/**
 * Picks the route API Gateway would: the most specific path (literal segments before
 * parameters, a greedy parameter last), an exact method before ANY, `$default` when nothing else
 * matches.
 */
export function matchRoute(
  routes: RouteConfig[],
  method: string,
  path: string
): { route: RouteConfig; pathParameters: Record<string, string> } | undefined {
  const segments = splitPath(path);
  let best: { route: RouteConfig; pathParameters: Record<string, string>; score: number[] } | undefined;
  for (const route of routes) {
    if (route.segments === undefined) continue;
    if (route.method !== 'ANY' && route.method !== method) continue;
    const pathParameters = matchSegments(route.segments, segments);
    if (pathParameters === undefined) continue;
    const literals = route.segments.filter((segment) => !segment.startsWith('{')).length;
    const greedy = route.segments.some((segment) => segment.endsWith('+}')) ? 0 : 1;
    const score = [literals, greedy, route.segments.length, route.method === 'ANY' ? 0 : 1];
    if (best === undefined || compareScores(score, best.score) > 0) best = { route, pathParameters, score };
  }
  if (best !== undefined) return { route: best.route, pathParameters: best.pathParameters };
  const fallback = routes.find((route) => route.routeKey === '$default');
  return fallback === undefined ? undefined : { route: fallback, pathParameters: {} };
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [i, expected] of pattern.entries()) {
    const greedy = /^\{(.+)\+\}$/.exec(expected)?.[1];
    if (greedy !== undefined) {
      const rest = segments.slice(i);
      if (rest.length === 0 || rest.every((segment) => segment === '')) return undefined;
      parameters[greedy] = rest.map(decode).join('/');
      return parameters;
    }
    const actual = segments[i];
    // A parameter stands for one non-empty segment: `/items/` has no `{id}`.
    if (actual === undefined || actual === '') return undefined;
    const name = /^\{(.+)\}$/.exec(expected)?.[1];
    if (name !== undefined) parameters[name] = decode(actual);
    else if (expected !== actual) return undefined;
  }
  return pattern.length === segments.length ? parameters : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
