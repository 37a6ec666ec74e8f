import { mkdtemp, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import sharp from 'sharp';
import { repositories } from '../../../db/repositories';
import { AttachRefused } from '../../../db/repositories/media';
import type { MediaView } from '../../../lib/shapes';

const { ValidationError } = errors;

/** The formats we take, by sharp's name for them (read from the bytes), with their MIME type and extension. */
const ACCEPTED = { jpeg: ['image/jpeg', 'jpg'], png: ['image/png', 'png'], webp: ['image/webp', 'webp'], gif: ['image/gif', 'gif'] } as const;
type Accepted = keyof typeof ACCEPTED;

/** The most pixels an image may have (40 megapixels), checked from the header before any decoding. */
export const MAX_PIXELS = 40_000_000;
/** The most posts' media. */
export const MAX_POST_MEDIA = 4;

export type TempFile = { filepath: string; originalFilename?: string | null; size?: number };

const refuse = (message: string, field = 'file'): never => {
  throw new ValidationError(message, { errors: [{ path: [field], message, name: 'ValidationError' }] });
};

/**
 * At most MEDIA_CONCURRENCY images are decoded at once per process (default 2); the others wait
 * their turn. sharp's resizes are the cost of an upload, and a burst of uploads should queue, not
 * run the server out of memory or starve the other requests of CPU.
 */
function semaphore(size: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await work();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}
const turns = semaphore(Math.max(1, Number(process.env.MEDIA_CONCURRENCY ?? 2) || 2));

/** A display name from the client's file name: its last path segment, tame characters only. */
export function safeName(original: string | null | undefined, ext: string): string {
  const last = String(original ?? '').split(/[\\/]/).pop() ?? '';
  const stem = last.replace(/\.[^.]*$/, '').normalize('NFC').replace(/[^\p{L}\p{N}_ -]+/gu, '_').replace(/^[_ .-]+/, '').slice(0, 80);
  return `${stem || 'image'}.${ext}`;
}

/**
 * The image, checked from its bytes and re-encoded: sharp reads the header (the format, the
 * dimensions) without decoding; anything but JPEG, PNG, WebP and GIF, or more than MAX_PIXELS,
 * is refused before a pixel is decoded. The re-encoding applies the EXIF orientation (`rotate()`)
 * and writes no metadata (sharp's default), so the stored file has no EXIF, no GPS, no camera,
 * and nothing a polyglot carried after or around the image. A truncated or corrupt image fails
 * the decode (`failOn: 'error'`) and is refused.
 */
async function sanitize(input: string, workDir: string): Promise<{ file: string; format: Accepted; width: number; height: number; bytes: number }> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    return refuse('The file is not an image: send a JPEG, PNG, WebP or GIF');
  }
  const format = meta.format as string | undefined;
  if (!format || !(format in ACCEPTED)) return refuse(`${format ? format.toUpperCase() : 'This file type'} is not accepted: send a JPEG, PNG, WebP or GIF`);
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (!width || !height) return refuse('The image has no dimensions');
  if (width * height > MAX_PIXELS) return refuse(`The image is ${width}×${height}, over the 40-megapixel limit`);
  // An animation decodes every frame: the limit counts them all (sharp's limitInputPixels, with
  // `animated`, would refuse it at decoding anyway).
  const frames = Math.max(1, meta.pages ?? 1);
  if (width * height * frames > MAX_PIXELS) return refuse(`The animation is ${frames} frames of ${width}×${height}, over the 40-megapixel limit`);
  const accepted = format as Accepted;
  const out = path.join(workDir, `clean.${ACCEPTED[accepted][1]}`);
  try {
    // rotate() (the EXIF orientation) flattens an animation to its first frame: animations,
    // which carry no orientation in practice, keep their frames instead.
    const animated = frames > 1;
    const decoded = sharp(input, { limitInputPixels: MAX_PIXELS, failOn: 'error', animated });
    const pipeline = animated ? decoded : decoded.rotate();
    const encoded =
      accepted === 'jpeg' ? pipeline.jpeg({ quality: 88, mozjpeg: false }) : accepted === 'png' ? pipeline.png() : accepted === 'webp' ? pipeline.webp({ quality: 88 }) : pipeline.gif();
    const info = await encoded.toFile(out);
    return { file: out, format: accepted, width: info.width, height: info.height, bytes: info.size };
  } catch (error) {
    strapi.log.debug(`Refused an image that does not decode: ${(error as Error).message}`);
    return refuse('The image is damaged or truncated');
  }
}

type UploadService = { _uploadImage?: (fileData: Record<string, unknown>) => Promise<void> };

/**
 * Stores a cleaned image through the upload plugin: its provider writes the image, the thumbnail
 * and the responsive formats (the Media Library's settings), and the file row is the plugin's
 * own. Its `uploadImage` is used rather than its `upload()`, which would re-encode the image a
 * second time (its size optimisation), making `size` unknowable to the byte; if an upgrade of the
 * plugin removes it, the public `upload()` is the fallback (`exact: false`: size from its kB).
 */
async function store(strapi: Core.Strapi, fileData: Record<string, unknown>, fallback: () => Promise<Array<{ id: number }>>): Promise<{ id: number; exact: boolean }> {
  const uploads = strapi.plugin('upload').service('upload') as UploadService;
  if (typeof uploads._uploadImage !== 'function') {
    const [file] = await fallback();
    return { id: file.id, exact: false };
  }
  await strapi.plugin('upload').service('provider').checkFileSize(fileData);
  await uploads._uploadImage(fileData);
  const { media } = repositories(strapi);
  const id = await media.createFileRow({ ...fileData, provider: strapi.config.get('plugin::upload.provider') });
  return { id, exact: true };
}

/** The media rules shared with the post and profile services. */
export function mediaRules(strapi: Core.Strapi) {
  return {
    /** Runs an attach; a refusal is a 400 naming the field. */
    async attach<T>(work: () => Promise<T>, field: 'media' | 'avatar'): Promise<T> {
      try {
        return await work();
      } catch (error) {
        if (error instanceof AttachRefused) {
          return refuse(
            error.reason === 'not-yours'
              ? `${field === 'avatar' ? 'avatar' : 'Each media id'} must be one of your own uploads`
              : `${field === 'avatar' ? 'That upload' : 'An upload'} is already attached elsewhere`,
            field
          );
        }
        throw error;
      }
    },

    /** Deletes uploads, their files in every format first (the upload plugin's provider), then their rows. */
    async deleteFiles(fileIds: number[]): Promise<void> {
      const upload = strapi.plugin('upload').service('upload');
      for (const id of fileIds) {
        const file = await strapi.db.query('plugin::upload.file').findOne({ where: { id } });
        if (!file) continue;
        try {
          await upload.remove(file);
        } catch (error) {
          // The clean-up task retries what is left.
          strapi.log.warn(`Could not delete upload ${id}: ${(error as Error).message}`);
        }
      }
    },
  };
}

/**
 * POST /media: an image checked from its bytes, cleaned (sanitize), and stored through the upload
 * plugin (its provider, its thumbnail and responsive formats, its file row), then recorded as the
 * caller's (src/db/repositories/media.ts).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const { media } = repositories(strapi);

  return {
    async upload(userId: number, part: TempFile, alternativeText: string | null): Promise<MediaView> {
      return turns(async () => {
        const workDir = await mkdtemp(path.join(os.tmpdir(), 'social-media-'));
        try {
          const clean = await sanitize(part.filepath, workDir);
          const [mime, ext] = ACCEPTED[clean.format];
          const name = safeName(part.originalFilename, ext);
          const uploads = strapi.plugin('upload').service('upload');
          const fileData = await uploads.formatFileInfo(
            { filename: name, type: mime, size: clean.bytes },
            { alternativeText: alternativeText ?? undefined, name },
            { tmpWorkingDirectory: workDir }
          );
          Object.assign(fileData, { filepath: clean.file, getStream: () => createReadStream(clean.file) });
          const stored = await store(strapi, fileData, () => uploads.upload({ data: { fileInfo: { alternativeText, name } }, files: { filepath: clean.file, originalFilename: name, mimetype: mime, size: clean.bytes } }));
          await media.recordUpload(stored.id, userId, stored.exact ? clean.bytes : null);
          const view = await media.view(stored.id);
          if (!view) throw new Error('The upload vanished');
          return view;
        } finally {
          await rm(workDir, { recursive: true, force: true });
        }
      });
    },
  };
};
