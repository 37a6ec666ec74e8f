import type { Core } from '@strapi/strapi';
import { CONTRACT_ROUTES } from '../api/route-table';
import type { SuccessStatus } from '../lib/routes';
import { errorStatusesOf, type ErrorStatus } from './error-statuses';
import { generatedPathKey, pathTemplate } from './path-template';
import { PLUGIN_PUBLIC_ACTIONS } from './plugin-public-actions';

/** What the description needs to know of a route beyond what Strapi's generator read from it. */
export type DescribedRoute = {
  method: Core.HTTPMethod;
  /** The path key Strapi's generator wrote the operation under. */
  generatedPath: string;
  /** The OpenAPI template it belongs under. */
  path: string;
  /** The API or plugin name: Strapi's tag and operationId prefix. */
  origin: string;
  /** Public may call it on a fresh database, so a token is optional. */
  tokenOptional: boolean;
  successStatuses: readonly SuccessStatus[];
  errorStatuses: readonly ErrorStatus[];
  /** Answers text/event-stream; the generated `response` schema is each event's data. */
  eventStream?: boolean;
};

/** Our routes, from the route table: `api::post.post.like` is the post API's. */
const contractRoutes = (): DescribedRoute[] =>
  CONTRACT_ROUTES.map((route) => ({
    method: route.method,
    generatedPath: generatedPathKey(route.path),
    path: pathTemplate(route.path),
    origin: route.handler.split('::')[1].split('.')[0],
    tokenOptional: route.defaultRoles.includes('public'),
    successStatuses: route.successStatuses ?? [200],
    errorStatuses: errorStatusesOf(route),
    eventStream: route.eventStream === true,
  }));

/** The content-api routers of a plugin, in either of the two forms a plugin may give them. */
const contentApiRouters = (plugin: Core.Plugin): Core.Router[] =>
  Array.isArray(plugin.routes) ? [] : Object.values(plugin.routes).filter((router) => router.type === 'content-api');

/**
 * The users-permissions plugin's routes, as Strapi generates them (`register` and the rest are
 * part of the contract): their path as the generator prefixes it, and Public's defaults.
 */
function usersPermissionsRoutes(strapi: Core.Strapi): DescribedRoute[] {
  return contentApiRouters(strapi.plugin('users-permissions')).flatMap((router) =>
    router.routes.map((route) => {
      const prefix = route.config && 'prefix' in route.config ? (route.config.prefix ?? '') : (router.prefix ?? '');
      const path = `${prefix}${route.path}`;
      return {
        method: route.method,
        generatedPath: generatedPathKey(path),
        path: pathTemplate(path),
        origin: 'users-permissions',
        tokenOptional: PLUGIN_PUBLIC_ACTIONS.includes(`plugin::users-permissions.${String(route.handler)}`),
        successStatuses: [200],
        errorStatuses: errorStatusesOf(route),
      };
    })
  );
}

export const describedRoutes = (strapi: Core.Strapi): DescribedRoute[] => [...contractRoutes(), ...usersPermissionsRoutes(strapi)];
