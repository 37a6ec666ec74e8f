import type { Core } from '@strapi/strapi';
import { z } from 'zod/v4';

/**
 * The users-permissions routes declare the plugin's user with zod, as the `response` of /auth/*
 * and /users/* (the plugin's UsersPermissionsRouteValidator.userSchema), and @strapi/openapi
 * describes it as a closed object. This app adds `name` and `bio` to the user (strapi-server.ts),
 * and registration accepts `name` (config/plugins.ts, register.allowedFields), so without these
 * the description would refuse the app's real answers and requests.
 */
const name = z.string().max(100).nullable();
const bio = z.string().max(500).nullable();

/** The plugin's user: the one schema of the plugin's that has all of these fields. */
const isPluginUser = (schema: z.ZodObject): boolean => ['provider', 'confirmed', 'blocked'].every((key) => key in schema.shape);

/** The schema with `name` and `bio` in every plugin user it holds (in objects, unions and arrays). */
function withName(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) {
    if (isPluginUser(schema)) return schema.extend({ name: name.optional(), bio: bio.optional() });
    return schema.extend(Object.fromEntries(Object.entries(schema.shape).map(([key, value]) => [key, withName(value as z.ZodType)])));
  }
  if (schema instanceof z.ZodUnion) return z.union(schema.options.map((option) => withName(option as z.ZodType)) as [z.ZodType, ...z.ZodType[]]);
  if (schema instanceof z.ZodArray) return z.array(withName(schema.element as z.ZodType));
  return schema;
}

const JSON_BODY = 'application/json';

export function describeSocialUser(route: Core.RouteInput): void {
  if (route.response) route.response = withName(route.response);
  const body = route.request?.body?.[JSON_BODY];
  if (route.handler === 'auth.register' && body instanceof z.ZodObject) {
    route.request = { ...route.request, body: { ...route.request?.body, [JSON_BODY]: body.extend({ name: name.optional() }) } };
  }
}
