import { rm } from 'node:fs/promises';
import type { Context, Next } from 'koa';

/**
 * strapi::body removes only the temporary files of the multipart field named `files`, and only
 * when the request succeeds. Placed right after it, this removes every part of every field once
 * the answer is ready, whatever it is. (Parts of a body that failed to parse are removed by
 * formidable itself.)
 */
type TempFile = { filepath?: string };

const pathsOf = (files: unknown): string[] => {
  if (!files || typeof files !== 'object') return [];
  return Object.values(files as Record<string, TempFile | TempFile[]>)
    .flat()
    .map((file) => file?.filepath)
    .filter((filepath): filepath is string => typeof filepath === 'string');
};

export default () =>
  async (ctx: Context, next: Next): Promise<void> => {
    const paths = pathsOf((ctx.request as { files?: unknown }).files);
    if (paths.length === 0) return next();
    try {
      await next();
    } finally {
      await Promise.all(paths.map((filepath) => rm(filepath, { force: true })));
    }
  };
