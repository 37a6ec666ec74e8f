// @ts-check
// Benchmark only: GET /api/posts/core/:id, the post read through Strapi's CORE controller
// (findOne with populate), so bench/run.mjs can compare our hand-written read with what Strapi
// does out of the box (docs/PERFORMANCE.md). The app has no such route: the benchmark's server
// gets it from the harness's launcher (scripts/lib/compiled-app.js), which calls this module
// once the app has loaded, before it listens.
'use strict';

const POST = 'api::post.post';

/** Post fields of our read, with the author's public fields. */
const author = { fields: ['id', 'documentId', 'username', 'name'] };
/** The populate our read needs: the author, the like count, and the comments with their authors. */
const QUERY = {
  fields: ['title', 'description', 'hidden', 'createdAt', 'updatedAt'],
  populate: {
    author,
    likedBy: { count: true },
    comments: { fields: ['content', 'createdAt'], sort: ['createdAt:asc', 'id:asc'], populate: { author } },
  },
};

/** @param {import('@strapi/strapi').Core.Strapi} strapi */
module.exports = (strapi) => {
  // Our controller is built on the core one (factories.createCoreController): its prototype.
  const controller = strapi.controller(POST);
  /** @type {{ findOne: (ctx: import('koa').Context) => Promise<unknown> }} */
  const core = Object.getPrototypeOf(controller);
  strapi.server.routes({
    type: 'content-api',
    routes: [
      {
        method: 'GET',
        path: '/posts/core/:id',
        info: { apiName: 'post' }, // as the app's own post routes
        /** @param {import('koa').Context} ctx */
        handler: async (ctx) => {
          ctx.query = QUERY;
          ctx.body = await core.findOne.call(controller, ctx);
        },
        // The permission Strapi's own core route GET /posts/:id would ask for, which Public
        // holds: Public requests take the same authentication path as our read.
        config: { auth: { scope: [`${POST}.findOne`] } },
      },
    ],
  });
};
