/**
 * Benchmark-only route: GET /posts/core/:id answers the same post read through Strapi's CORE
 * controller (findOne with populate), so `bench/run.mjs` can compare our hand-written read with
 * what Strapi does out of the box (docs/PERFORMANCE.md). It is OFF unless the server starts with
 * BENCH_CORE_ROUTE=true: by default this file declares no route at all, and no role is ever
 * granted its action (the benchmark grants it to Public in its own throw-away database).
 */
export default {
  routes:
    process.env.BENCH_CORE_ROUTE === 'true'
      ? [{ method: 'GET', path: '/posts/core/:id', handler: 'api::post.post.coreFindOne' }]
      : [],
};
