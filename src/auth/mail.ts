import type { Core } from '@strapi/strapi';

/** Whether an email provider is configured (SMTP_HOST, config/plugins.ts). */
export const mailConfigured = (strapi: Core.Strapi): boolean => strapi.config.get('plugin::email.provider') !== 'sendmail';

let warned = false;

/** Logs, once per process, that a mail was not sent because no provider is configured. */
export function warnMailOff(strapi: Core.Strapi, what: string): void {
  if (warned) return;
  warned = true;
  strapi.log.warn(`No email provider is configured (set SMTP_HOST): ${what} and every later mail is not sent.`);
}
