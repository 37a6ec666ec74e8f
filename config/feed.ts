/**
 * The home timeline's hybrid fan-out (src/db/derived/home-timeline.ts): an author with at least
 * `pullFollowers` followers or `pullPosts` posts is read at request time instead of being copied
 * into each follower's timeline. A change takes effect at the next start, which rebuilds the
 * timeline tables (the derived tables' state records the thresholds they were built with).
 */
export default ({ env }: { env: { int: (name: string, fallback: number) => number } }) => ({
  pullFollowers: env.int('FEED_PULL_FOLLOWERS', 1000),
  pullPosts: env.int('FEED_PULL_POSTS', 1000),
});
