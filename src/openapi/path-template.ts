/**
 * Path keys. Strapi 5.54's generator (PathItemAssembler._formatPath, private) turns every
 * `:name…` up to the next slash into `{name…}`: right for `:id`, garbled for a parameter with a
 * regular expression such as `/users/:email([^/]*(?:@|%40)[^/]*)`, whose slashes it cuts.
 * The first function says where the generator wrote a route, the second where it belongs.
 */
export const generatedPathKey = (path: string): string => path.replace(/:([^/]+)/g, '{$1}');

const PARAMETER = /^:([A-Za-z_][A-Za-z0-9_]*)/;

/** The index just past the regular-expression group that opens at `start`, nested groups and escapes included. */
function endOfGroup(path: string, start: number): number {
  let depth = 0;
  for (let i = start; i < path.length; i += 1) {
    if (path[i] === '\\') i += 1;
    else if (path[i] === '(') depth += 1;
    else if (path[i] === ')' && (depth -= 1) === 0) return i + 1;
  }
  return path.length;
}

/** The OpenAPI template of a koa route path: `:name` and `:name(regexp)` become `{name}`. */
export function pathTemplate(path: string): string {
  let template = '';
  let i = 0;
  while (i < path.length) {
    const parameter = PARAMETER.exec(path.slice(i));
    if (!parameter) {
      template += path[i];
      i += 1;
      continue;
    }
    template += `{${parameter[1]}}`;
    i += parameter[0].length;
    if (path[i] === '(') i = endOfGroup(path, i);
  }
  return template;
}

/** Strapi's operationId scheme (`api/method/path_parts`, `{x}` as `by_x`), for an operation moved to its template. */
export function operationIdOf(origin: string, method: string, template: string): string {
  const parts = template
    .split('/')
    .filter(Boolean)
    .map((part) => {
      const parameter = /^\{(.+)\}$/.exec(part);
      return parameter ? `by_${parameter[1]}` : part.replaceAll(/\W/g, '_');
    });
  return `${origin}/${method.toLowerCase()}/${parts.join('_')}`;
}
