# Production image of the Strapi 5 backend.
#
#   docker build -t social-backend .
#   docker run --env-file .env -p 1337:1337 social-backend
#
# Stage 1 (build) installs every dependency, compiles the TypeScript sources and the admin panel
# into dist/, drops the dev dependencies and then removes from node_modules what only the build
# needed. Stage 2 (runtime) copies just what `strapi start` reads and runs it as the `node` user.
#
# Required at run time (no defaults; placeholders are refused at start-up): APP_KEYS,
# API_TOKEN_SALT, ADMIN_JWT_SECRET, TRANSFER_TOKEN_SALT, JWT_SECRET, ENCRYPTION_KEY.
# Database: DATABASE_CLIENT=postgres with DATABASE_URL or DATABASE_HOST/PORT/NAME/USERNAME/PASSWORD,
# or the default SQLite file .tmp/data.db (mount a volume on /opt/app/.tmp to keep it).
# Uploads are written to /opt/app/public/uploads (mount a volume there to keep them).

########################################################################################
FROM node:22-bookworm-slim AS build

# better-sqlite3 has no prebuilt binary reachable here: node-gyp compiles it, which needs
# python3, make and a C++ compiler (Node's headers ship with the base image).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/app

# Dependencies first, so that this layer is reused while only the sources change.
# Builders that give a build step only 1024 file descriptors (podman/buildah's default, which a
# RUN step cannot raise) make npm fail now and then with "EMFILE: too many open files" in its
# cache (npm/cli#4783); Docker's default limit is far higher. Hence fewer parallel downloads
# (--maxsockets=5) and up to 3 attempts (npm ci starts from an empty node_modules each time,
# and the downloads of a failed attempt stay in npm's cache).
COPY package.json package-lock.json ./
RUN for attempt in 1 2 3; do \
      npm ci --no-audit --no-fund --maxsockets=5 && exit 0; \
      echo "npm ci failed (attempt $attempt of 3)" >&2; sleep 5; \
    done; \
    exit 1

COPY . .

# Compiles src/ and config/ into dist/ and the admin panel into dist/build.
ENV NODE_ENV=production
RUN npm run build

# From here on node_modules only has to serve `strapi start`.
RUN npm prune --omit=dev --no-audit --no-fund

# --- Trimming node_modules -------------------------------------------------------------
# What follows is never read by `strapi start` once dist/ (and the admin bundle in
# dist/build) exists. Each step is checked by the image serving /_health and passing the API
# acceptance suite (scripts/oci-check.sh).

# Source maps (*.js.map, *.css.map, ...: about 170 MB). Node only reads them with
# --enable-source-maps, which the image does not use; stack traces keep file/line of dist code.
RUN find node_modules -type f \( -name '*.js.map' -o -name '*.mjs.map' -o -name '*.cjs.map' \
      -o -name '*.css.map' -o -name '*.ts.map' -o -name '*.mts.map' -o -name '*.cts.map' \) -delete

# TypeScript declaration files (*.d.ts: about 35 MB): only the compiler reads them.
RUN find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete

# Build-time toolchains that come in as (transitive) production dependencies of
# @strapi/strapi and @strapi/admin, used by `strapi build` / `strapi develop` only: the admin
# panel bundlers (vite, webpack, rollup, terser, the @swc compiler and esbuild's native binary
# in @esbuild/*), prettier (type generation) and typedoc. Their output is dist/build.
# Kept on purpose: `typescript` and the `esbuild` JS package, because the strapi CLI loads its
# build command's modules (@strapi/typescript-utils -> typescript, esbuild-register -> esbuild)
# even for `strapi start`; esbuild only runs its binary (esbuild/bin/esbuild, copied there by
# its install script, and @esbuild/<platform>) when asked to transform code, which start never
# does, so the binaries go.
RUN rm -rf node_modules/vite node_modules/webpack node_modules/rollup node_modules/@rollup \
      node_modules/terser node_modules/@swc node_modules/@esbuild node_modules/esbuild/bin \
      node_modules/prettier node_modules/typedoc

# Browser-only libraries of the admin panel's React front end, already bundled into
# dist/build: no server code requires them (only the admin sources in
# node_modules/@strapi/*/dist/admin do, which `strapi build` bundled).
#  - @formatjs/intl-displaynames: Intl polyfill with every locale's data (about 30 MB);
#  - hls.js, @mux/*, media-chrome, player.style: the media library's video player;
#  - @shikijs/*, codemirror5, @codemirror/*, @uiw/*, prismjs, highlight.js: code editors and
#    syntax highlighting of the content manager;
#  - framer-motion, motion, motion-dom, motion-utils: UI animations;
#  - slate, slate-react, slate-history: the blocks rich-text editor.
RUN cd node_modules && rm -rf @formatjs/intl-displaynames \
      hls.js @mux media-chrome player.style \
      @shikijs codemirror5 @codemirror @uiw prismjs highlight.js \
      framer-motion motion motion-dom motion-utils \
      slate slate-react slate-history

# sharp (image resizing of the upload plugin) loads its native build, @img/sharp-<platform>
# with @img/sharp-libvips-<platform>; its WebAssembly build (@img/sharp-wasm32 and its
# @emnapi runtime, about 9 MB) is only a fallback for platforms without a native build.
RUN rm -rf node_modules/@img/sharp-wasm32 node_modules/@emnapi/runtime \
 && ls node_modules/@img/ | grep -q '^sharp-linux-'

# Dangling links in node_modules/.bin to what was removed above, and the empty scope folders
# (@jest, @sinonjs, ...) that `npm prune` leaves behind.
RUN find node_modules/.bin -xtype l -delete \
 && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete

# better-sqlite3 keeps its C sources (deps/, src/) and everything else its node-gyp build
# made (objects, static sqlite3.a, makefiles); only build/Release/better_sqlite3.node is loaded.
RUN cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node /tmp/ \
 && rm -rf deps src build \
 && mkdir -p build/Release && mv /tmp/better_sqlite3.node build/Release/

# The runtime stage copies this one folder: what `strapi start` reads.
#  - package.json: name/version and the `strapi` section of the app;
#  - tsconfig.json: `strapi start` reads compilerOptions.outDir from it to find dist/ (without
#    it, it would look for config/ and src/ at the root, which the image does not have);
#  - dist/: compiled config/ and src/, and dist/build (the admin panel);
#  - public/: static files, with public/uploads for the local upload provider;
#  - database/migrations: the app's migrations, if any. The folder must exist even when empty:
#    Strapi creates it at every start (@strapi/database's createUserMigrationProvider), which
#    fails with EACCES in the read-only /opt/app. A clone has no such folder (git keeps no empty
#    ones); a checkout where Strapi already ran does, which once hid this from CI;
#  - favicon.png/favicon.ico (if any): read from the app root.
RUN set -eux; \
    mkdir -p /runtime/public/uploads /runtime/.tmp /runtime/database/migrations; \
    mv node_modules dist package.json tsconfig.json /runtime/; \
    cp -a public/. /runtime/public/; \
    rm -f /runtime/public/uploads/.gitkeep; \
    if [ -d database ]; then cp -a database/. /runtime/database/; fi; \
    for f in favicon.png favicon.ico; do if [ -f "$f" ]; then cp -a "$f" /runtime/; fi; done

########################################################################################
FROM node:22-bookworm-slim AS runtime

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=1337 \
    STRAPI_TELEMETRY_DISABLED=true

WORKDIR /opt/app

# Application files stay owned by root (read-only for the server); only the folders the server
# writes to belong to `node`: public/uploads (uploaded files) and .tmp (SQLite database).
COPY --from=build /runtime/ ./
RUN chown node:node /opt/app/public/uploads /opt/app/.tmp

USER node

EXPOSE 1337

# No curl in the slim image: Node itself asks /_health (204 when up).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:process.env.PORT||1337,path:'/_health',timeout:4000},r=>process.exit(r.statusCode>=200&&r.statusCode<400?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]

# Node directly (not `npm start`) so that it gets SIGTERM from `docker stop`.
CMD ["node", "node_modules/@strapi/strapi/bin/strapi.js", "start"]
