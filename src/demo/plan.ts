/**
 * The demo network as a plan: who exists, who follows whom, who wrote, liked, commented on and
 * reported what, and when. Pure and deterministic (a seeded PRNG): the same options give the
 * same plan, so a second run of the seeder (src/demo/seed.ts) finds what the first one wrote and
 * only adds what is missing. Nothing here touches the database.
 *
 * Users are referred to by their index in `users`, posts by (author index, n-th post of that
 * author), comments by (post, n-th comment on it): the seeder maps those to rows in id order.
 */
import type { ReportReason } from '../lib/report-input';

export type DemoOptions = {
  /** How many users (the first `popular` are the popular accounts, the last `newcomers` have done nothing yet). */
  users: number;
  popular: number;
  newcomers: number;
  /** The PRNG's seed: another seed, another network of the same shape. */
  seed: number;
  /** Posts, comments and sign-ups are spread over this many days before `now`. */
  days: number;
  now: Date;
};

export const DEFAULT_OPTIONS: DemoOptions = { users: 300, popular: 5, newcomers: 3, seed: 20_261_130, days: 30, now: new Date() };

/** Every demo account's email ends with this: how a second run (and a person) tells demo data apart. */
export const DEMO_EMAIL_DOMAIN = 'demo.example';
/** The password of every demo account. Demo data only: the seeder refuses NODE_ENV=production. */
export const DEMO_PASSWORD = 'Demo-Passw0rd!';

export type PlannedUser = { index: number; username: string; email: string; name: string; bio: string; joinedAt: Date; role: 'popular' | 'regular' | 'newcomer' };
export type PostKey = { author: number; n: number };
export type PlannedPost = PostKey & { title: string; description: string; createdAt: Date };
export type PlannedComment = { post: PostKey; n: number; author: number; content: string; createdAt: Date };
export type PlannedReport = { reporter: number; reason: ReportReason; details: string } & ({ kind: 'post'; post: PostKey } | { kind: 'comment'; post: PostKey; comment: number });
export type DemoPlan = {
  users: PlannedUser[];
  /** [follower, followed] pairs, each once, never oneself. */
  follows: Array<[number, number]>;
  /** Per author, their posts in creation order (oldest first). */
  posts: PlannedPost[][];
  /** [post, liker] pairs, each once. */
  likes: Array<[PostKey, number]>;
  /** Per post (same order as `posts` flattened), its comments in creation order. */
  comments: PlannedComment[];
  reports: PlannedReport[];
};

const FIRST = ['Ada', 'Alan', 'Amara', 'Anya', 'Ben', 'Bea', 'Carlos', 'Chloe', 'Dev', 'Dana', 'Elif', 'Emil', 'Farah', 'Felix', 'Grace', 'Gus', 'Hana', 'Hugo', 'Ines', 'Ivan', 'Jade', 'Jonas', 'Kai', 'Kira', 'Leo', 'Lina', 'Malik', 'Maya', 'Nadia', 'Noah', 'Olga', 'Omar', 'Paula', 'Pete', 'Quinn', 'Rosa', 'Rafi', 'Sara', 'Sven', 'Tara', 'Theo', 'Uma', 'Victor', 'Vera', 'Wen', 'Will', 'Xenia', 'Yusuf', 'Yara', 'Zoe'];
const LAST = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Novak', 'Haddad', 'Silva', 'Kowalski', 'Brennan', 'Nguyen', 'Fischer', 'Rossi', 'Patel', 'Jensen', 'Dubois', 'Kim', 'Mendes', 'Ivanova', 'Walsh', 'Sato', 'Horvat', 'Costa', 'Berg', 'Adeyemi', 'Larsen', 'Romero', 'Weber', 'Ali', 'Murphy', 'Yilmaz'];
const CITIES = ['Lisbon', 'Lagos', 'Osaka', 'Berlin', 'Montréal', 'Nairobi', 'Kraków', 'Valparaíso', 'Glasgow', 'Hanoi', 'Tromsø', 'Porto', 'Austin', 'Lyon', 'Seoul'];
const JOBS = ['Backend developer', 'Nurse', 'Teacher', 'Product designer', 'Baker', 'PhD student', 'Photographer', 'Bike mechanic', 'Data analyst', 'Translator', 'Carpenter', 'Journalist', 'Sound engineer', 'Librarian', 'Chef'];

type Topic = { name: string; titles: string[]; lines: string[]; replies: string[] };
const TOPICS: Topic[] = [
  {
    name: 'coffee',
    titles: ['Dialled in a new espresso', 'Pour-over or AeroPress?', 'The café on the corner finally reopened', 'Cold brew season is back', 'A light roast that tastes like blueberries'],
    lines: ['Eighteen grams in, thirty-six out, twenty-eight seconds.', 'Grind a little finer than you think.', 'The trick is water at 94 °C, not boiling.', 'Honestly the beans matter more than the gear.'],
    replies: ['Which beans?', 'Trying this tomorrow morning.', 'AeroPress forever.', 'That crema looks unreal.'],
  },
  {
    name: 'running',
    titles: ['First half marathon done', 'Rainy 10k this morning', 'Intervals are humbling', 'New shoes, new personal best', 'Rest day, finally'],
    lines: ['Negative split for the first time ever.', 'Legs are jelly but the view was worth it.', 'Slow runs make fast runs, apparently.', 'Anyone else training for the autumn race?'],
    replies: ['Congrats!', 'What pace were you aiming for?', 'Legend.', 'See you at parkrun.'],
  },
  {
    name: 'software',
    titles: ['Deleted 2,000 lines today', 'TypeScript strict mode, week two', 'The bug was a time zone', 'Why is the test only flaky on Fridays?', 'Shipped the migration without downtime'],
    lines: ['Turns out the index was on the wrong column.', 'Reading the query plan saved the day.', 'Naming things is still the hardest part.', 'Writing the test first would have saved me an hour.'],
    replies: ['It is always DNS or time zones.', 'EXPLAIN ANALYZE is my favourite command.', 'Respect.', 'Did you write it up anywhere?'],
  },
  {
    name: 'gardening',
    titles: ['The tomatoes survived the storm', 'First courgette of the year', 'Composting, an update', 'Who knew basil was this picky', 'Balcony garden progress'],
    lines: ['Three weeks of rain and they are still standing.', 'Companion planting seems to work.', 'The snails have found the lettuce.', 'Next year: fewer plants, more space.'],
    replies: ['Beautiful!', 'Snails are the worst.', 'What variety is that?', 'Teach me your ways.'],
  },
  {
    name: 'books',
    titles: ['Finished a 900-page novel', 'Book club pick for next month', 'Reading on the train again', 'A short story collection worth your time', 'Re-reading an old favourite'],
    lines: ['The last chapter made the whole thing click.', 'Slow start, unforgettable ending.', 'I read it in two sittings.', 'Recommendations for something lighter next?'],
    replies: ['Adding it to my list.', 'Loved that one.', 'No spoilers please!', 'Try the author’s first book too.'],
  },
  {
    name: 'cooking',
    titles: ['Sourdough attempt number seven', 'Sunday dumplings', 'A soup for grey days', 'Finally nailed the curry', 'Market haul'],
    lines: ['The starter is older than some of my friendships.', 'Browned butter fixes everything.', 'Recipe below if anyone wants it.', 'Salt the water like the sea.'],
    replies: ['Recipe please!', 'That crumb!', 'Coming over for dinner.', 'Looks delicious.'],
  },
  {
    name: 'photography',
    titles: ['Golden hour by the harbour', 'Shot a whole roll of film', 'Fog over the city', 'Street photography walk', 'Trying a 35 mm prime'],
    lines: ['No edits, the light did the work.', 'Half the roll was out of focus, the other half I love.', 'Woke up at five for this.', 'Composition first, gear second.'],
    replies: ['Stunning light.', 'What film stock?', 'Frame-worthy.', 'The colours!'],
  },
  {
    name: 'music',
    titles: ['Learning the cello at 35', 'Best album of the year so far', 'Small gig, huge sound', 'Practising scales again', 'Vinyl find at the flea market'],
    lines: ['Twenty minutes a day, every day.', 'The bass line in the second track!', 'Tiny venue, fifty people, perfect night.', 'My neighbours are very patient.'],
    replies: ['Never too late.', 'On repeat here too.', 'Who was playing?', 'Great find.'],
  },
];
const SPAM = ['Earn $$$ from home, link in bio', 'Cheap followers, DM me', 'You won a prize, click here'];
const REPORT_DETAILS: Record<ReportReason, string[]> = {
  spam: ['Looks like a bot.', 'Same link posted everywhere.', ''],
  abuse: ['Rude to other commenters.', 'Personal attack.', ''],
  illegal: ['Selling something that should not be sold.'],
  other: ['Misleading.', 'Off-topic.', ''],
};

/** mulberry32: small, fast and good enough for demo data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 24 * 3600 * 1000;
const keyOfPost = (post: PostKey) => `${post.author}:${post.n}`;

export function planDemo(options: DemoOptions): DemoPlan {
  const rnd = prng(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const now = options.now.getTime();
  const start = now - options.days * DAY;
  const count = Math.max(options.users, options.popular + options.newcomers + 2);

  // Users: unique usernames from first × last names; each has one or two favourite topics.
  const taken = new Set<string>();
  const topicsOf: Topic[][] = [];
  const users: PlannedUser[] = Array.from({ length: count }, (_, index) => {
    const first = pick(FIRST);
    const last = pick(LAST);
    let username = `${first}_${last}`.toLowerCase();
    for (let k = 2; taken.has(username); k += 1) username = `${first}_${last}${k}`.toLowerCase();
    taken.add(username);
    const role = index < options.popular ? 'popular' : index >= count - options.newcomers ? 'newcomer' : 'regular';
    const topics = [pick(TOPICS), pick(TOPICS)];
    topicsOf.push(topics);
    const bio =
      role === 'popular'
        ? `${pick(JOBS)} in ${pick(CITIES)}. Writing about ${topics[0].name} most days. Opinions my own.`
        : rnd() < 0.15
          ? ''
          : `${pick(JOBS)} in ${pick(CITIES)}. Into ${topics[0].name}${topics[1] === topics[0] ? '' : ` and ${topics[1].name}`}.`;
    // Popular accounts and most others joined early; newcomers joined in the last day.
    const joinedAt = new Date(role === 'newcomer' ? now - rnd() * DAY : start - rnd() * 60 * DAY);
    return { index, username, email: `${username}@${DEMO_EMAIL_DOMAIN}`, name: `${first} ${last}`, bio, joinedAt, role };
  });
  const active = users.filter((u) => u.role !== 'newcomer').map((u) => u.index);
  const popular = users.filter((u) => u.role === 'popular').map((u) => u.index);

  // Follows: a third to the popular accounts, the rest Zipf-like (low indexes are better known).
  const weights = active.map((i) => 1 / (i + 10));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const zipf = (): number => {
    let r = rnd() * totalWeight;
    for (let k = 0; k < active.length; k += 1) if ((r -= weights[k]) <= 0) return active[k];
    return active[active.length - 1];
  };
  const follows: Array<[number, number]> = [];
  const followersOf: number[][] = users.map(() => []);
  for (const follower of active) {
    const want = Math.min(active.length - 1, 3 + Math.floor(Math.exp(rnd() * 3.2)));
    const chosen = new Set<number>();
    for (let tries = 0; chosen.size < want && tries < want * 10; tries += 1) {
      const target = rnd() < 0.35 ? pick(popular) : zipf();
      if (target !== follower) chosen.add(target);
    }
    for (const target of chosen) {
      follows.push([follower, target]);
      followersOf[target].push(follower);
    }
  }

  // Posts: popular accounts post a lot, most people a little, some not at all.
  const posts: PlannedPost[][] = users.map((user) => {
    if (user.role === 'newcomer') return [];
    const n = user.role === 'popular' ? 15 + Math.floor(rnd() * 10) : Math.floor(Math.exp(rnd() * 2.6)) - 1;
    const times = Array.from({ length: n }, () => start + rnd() * (now - start - 3600_000)).sort((a, b) => a - b);
    return times.map((time, k) => {
      const topic = pick(topicsOf[user.index]);
      const description = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(topic.lines)).filter((line, i, all) => all.indexOf(line) === i).join(' ');
      return { author: user.index, n: k, title: pick(topic.titles), description, createdAt: new Date(time) };
    });
  });
  // One regular account posted spam yesterday, for the moderation queue.
  const spammer = active[active.length - 1];
  posts[spammer] = [0, 1, 2].map((k) => ({ author: spammer, n: k, title: SPAM[k], description: 'Limited offer!!!', createdAt: new Date(now - DAY - (3 - k) * 9 * 3600_000) }));

  // Likes and comments: mostly by the author's followers, a few by anyone.
  const likes: Array<[PostKey, number]> = [];
  const comments: PlannedComment[] = [];
  for (const authored of posts) {
    for (const post of authored) {
      const followers = followersOf[post.author];
      const isSpam = post.author === spammer;
      const reach = isSpam ? 0 : 0.05 + rnd() * rnd() * 0.4;
      const likers = new Set<number>();
      for (const f of followers) if (rnd() < reach) likers.add(f);
      for (let k = Math.floor(rnd() * 3); k > 0; k -= 1) likers.add(pick(active));
      likers.delete(post.author);
      for (const liker of likers) likes.push([{ author: post.author, n: post.n }, liker]);

      const audience = followers.length > 0 ? followers : active;
      const n = isSpam ? 0 : Math.floor(rnd() * rnd() * (users[post.author].role === 'popular' ? 7 : 4));
      const times = Array.from({ length: n }, () => post.createdAt.getTime() + rnd() * rnd() * Math.min(2 * DAY, now - post.createdAt.getTime())).sort((a, b) => a - b);
      const topic = TOPICS.find((t) => t.titles.includes(post.title)) ?? TOPICS[0];
      times.forEach((time, k) => {
        const author = rnd() < 0.2 && k > 0 ? post.author : pick(audience);
        comments.push({ post: { author: post.author, n: post.n }, n: k, author, content: pick(topic.replies), createdAt: new Date(time) });
      });
    }
  }

  // Reports waiting in the moderation queue: the spam (by several people), and a few others.
  const reports: PlannedReport[] = [];
  const reporters = new Set<number>();
  while (reporters.size < Math.min(4, active.length - 1)) reporters.add(pick(active.filter((i) => i !== spammer)));
  for (const reporter of reporters) {
    for (const post of posts[spammer].slice(0, 2)) reports.push({ kind: 'post', post: { author: spammer, n: post.n }, reporter, reason: 'spam', details: pick(REPORT_DETAILS.spam) });
  }
  const allPosts = posts.flat().filter((p) => p.author !== spammer);
  for (let k = 0; k < Math.max(2, Math.round(allPosts.length / 150)) && allPosts.length > 0; k += 1) {
    const post = pick(allPosts);
    const reporter = pick(active.filter((i) => i !== post.author));
    const reason = pick(['abuse', 'other', 'other'] as const);
    reports.push({ kind: 'post', post: { author: post.author, n: post.n }, reporter, reason, details: pick(REPORT_DETAILS[reason]) });
  }
  for (let k = 0; k < Math.max(1, Math.round(comments.length / 200)) && comments.length > 0; k += 1) {
    const comment = pick(comments);
    const reporter = pick(active.filter((i) => i !== comment.author));
    reports.push({ kind: 'comment', post: comment.post, comment: comment.n, reporter, reason: 'abuse', details: pick(REPORT_DETAILS.abuse) });
  }

  // One report per reporter and item, as the app allows while it is open.
  const filed = new Set<string>();
  const unique = reports.filter((r) => {
    const key = `${r.reporter}:${r.kind}:${keyOfPost(r.post)}:${r.kind === 'comment' ? r.comment : ''}`;
    return !filed.has(key) && (filed.add(key), true);
  });

  return { users, follows, posts, likes, comments, reports: unique };
}
