#!/usr/bin/env bash
# Container check, for CI (run from anywhere; it works in the repository root):
#   1. `docker-compose config -q` on docker-compose.yml and docker-compose.scale.yml (installs
#      Debian's docker-compose if missing; needs no Docker engine);
#   2. ../shared/tools/oci-check: builds the Dockerfile with podman (from the files git knows, as
#      a fresh clone has them, not from the working folder), boots the image's command as
#      its user against a temporary PostgreSQL database with random secrets, waits for /_health
#      and runs the acceptance suite (node --test ../shared/acceptance/) against it;
#   3. checks that the image adds at most OCI_MAX_ADDED_MB (350) MB to its base image.
# The temporary database is dropped on exit, whatever happens. Exits non-zero on any failure.
#
# Settings (environment): PGHOST/PGPORT/PGUSER/PGPASSWORD (default 127.0.0.1:5432, postgres, trust
# auth), OCI_PORT (port for the server; default: a free one), OCI_MAX_ADDED_MB, OCI_CHECK (path of
# the oci-check tool), OCI_TAG (image tag).
set -euo pipefail
cd "$(dirname "$0")/.."

OCI_CHECK=${OCI_CHECK:-../shared/tools/oci-check}
OCI_TAG=${OCI_TAG:-social-backend:oci-check}
OCI_MAX_ADDED_MB=${OCI_MAX_ADDED_MB:-350}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}

say() { printf '\n== oci-check.sh: %s\n' "$*"; }
fail() { printf 'oci-check.sh: FAILED: %s\n' "$*" >&2; exit 1; }

[ -x "$OCI_CHECK" ] || fail "no oci-check tool at $OCI_CHECK (is ../shared beside the repository?)"
OCI_CHECK="$(cd "$(dirname "$OCI_CHECK")" && pwd)/$(basename "$OCI_CHECK")"
[ -d ../shared/acceptance ] || fail "no ../shared/acceptance"

DB="oci_check_$(date +%s)_$$"
WORK=$(mktemp -d)
db_created=0
cleanup() {
  local rc=$?
  if [ "$db_created" = 1 ]; then
    dropdb --if-exists --force "$DB" >/dev/null 2>&1 || dropdb --if-exists "$DB" || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The build context is what a fresh clone has: the files git knows (tracked, or new and not
# ignored), copied to a folder of their own. The repository's folder also holds what earlier
# runs left (database/migrations, made by every Strapi start, once hid an image that could not
# start from a clone, because the folder it needed came in with the context). Changes into it.
use_clone_context() {
  say "build context: the files git knows, as a clone has them"
  local shared
  shared=$(cd ../shared && pwd)
  mkdir -p "$WORK/context/app"
  git ls-files -z --cached --others --exclude-standard >"$WORK/context/files"
  tar --null --files-from="$WORK/context/files" --ignore-failed-read -cf - 2>/dev/null \
    | tar -xf - -C "$WORK/context/app"
  echo "$(tr -cd '\0' <"$WORK/context/files" | wc -c) files"
  ln -s "$shared" "$WORK/context/shared"
  cd "$WORK/context/app"
  [ -f Dockerfile ] || fail "no Dockerfile in the build context"
}

# --- 1. Compose files -----------------------------------------------------------------------
say "docker-compose config"
if ! command -v docker-compose >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose) \
    >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log"; fail "could not install docker-compose"; }
fi
# The compose files read .env (env_file, and for ${...}) and require DATABASE_PASSWORD. Check
# them on a copy with a .env made from .env.example, so that a developer's .env is not needed
# (nor read, nor touched).
mkdir -p "$WORK/compose/deploy"
cp docker-compose.yml docker-compose.scale.yml "$WORK/compose/"
cp deploy/nginx.conf "$WORK/compose/deploy/"
if [ -f .env.example ]; then cp .env.example "$WORK/compose/.env"; else : >"$WORK/compose/.env"; fi
for f in docker-compose.yml docker-compose.scale.yml; do
  (cd "$WORK/compose" && DATABASE_PASSWORD=compose-config-check docker-compose -f "$f" config -q) \
    || fail "docker-compose -f $f config"
  echo "$f: valid"
done

# --- 2. Image build, boot and acceptance suite ----------------------------------------------
use_clone_context

say "PostgreSQL database $DB"
if ! pg_isready -q; then
  if [ "$PGHOST" = 127.0.0.1 ] && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
  fi
fi
pg_isready || fail "PostgreSQL is not reachable at $PGHOST:$PGPORT"
createdb "$DB"
db_created=1

# Only what this check sets reaches the server: oci-check passes on DATABASE_*, *_SECRET,
# *_SALT, APP_KEYS, ENCRYPTION_KEY, PORT, HOST, NODE_ENV and RATE_LIMIT_ENABLED from here.
for v in $(env | grep -oE '^(DATABASE_[A-Z0-9_]*|[A-Z0-9_]*_SECRET|[A-Z0-9_]*_SALT)=' | tr -d =); do
  unset "$v"
done
# Fresh random secrets, every one the app needs (the one list, through scripts/lib/secrets.js).
# Assigned first, so that `set -e` stops here if node fails.
secrets=$(node -e 'for (const [name, value] of Object.entries(require("./scripts/lib/secrets.js").randomSecrets())) console.log(`export ${name}="${value}"`)')
eval "$secrets"
export DATABASE_CLIENT=postgres DATABASE_HOST="$PGHOST" DATABASE_PORT="$PGPORT"
export DATABASE_NAME="$DB" DATABASE_USERNAME="$PGUSER" DATABASE_PASSWORD="${PGPASSWORD:-}"
export NODE_ENV=production HOST=127.0.0.1
# The acceptance suite registers ~60 users from one address.
export RATE_LIMIT_ENABLED=false
if [ -z "${OCI_PORT:-}" ]; then
  OCI_PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
fi
export PORT="$OCI_PORT"
# Build in Docker's image format, as `docker build` does: the OCI format has no HEALTHCHECK.
# (podman then logs a harmless "unable to get systemd connection to remove healthchecks".)
export BUILDAH_FORMAT=docker

say "$OCI_CHECK --run --then 'node --test ../shared/acceptance/' --tag $OCI_TAG (port $PORT)"
"$OCI_CHECK" --run --then 'node --test ../shared/acceptance/' --tag "$OCI_TAG" Dockerfile 2>&1 \
  | tee "$WORK/oci-check.log"
grep -q 'served /_health .* and the --then command passed' "$WORK/oci-check.log" \
  || fail "oci-check did not report a healthy image that passed the acceptance suite"

# The image's own settings (Docker-format config, see BUILDAH_FORMAT above).
say "image config"
podman image inspect "$OCI_TAG" --format \
  'user={{.Config.User}} workdir={{.Config.WorkingDir}} ports={{json .Config.ExposedPorts}} cmd={{json .Config.Cmd}} healthcheck={{json .Config.Healthcheck}}' \
  | tee "$WORK/config.txt"
grep -q '^user=node ' "$WORK/config.txt" || fail "the image does not run as the node user"
grep -q '"1337/tcp"' "$WORK/config.txt" || fail "the image does not expose 1337"
grep -q 'healthcheck={"Test":\[' "$WORK/config.txt" && grep -q '/_health' "$WORK/config.txt" \
  || fail "the image has no HEALTHCHECK on /_health"

# --- 3. Size budget -------------------------------------------------------------------------
say "image size"
size_line=$(grep -E '^oci-check: built .* image [0-9]+ MB, of which its base .* is [0-9]+ MB' "$WORK/oci-check.log" | tail -1)
[ -n "$size_line" ] || fail "no size line in the oci-check output"
echo "$size_line"
image_mb=$(sed -E 's/.* image ([0-9]+) MB, of which.*/\1/' <<<"$size_line")
base_mb=$(sed -E 's/.* is ([0-9]+) MB$/\1/' <<<"$size_line")
added_mb=$(( image_mb - base_mb ))
echo "image $image_mb MB = base $base_mb MB + $added_mb MB added (budget: $OCI_MAX_ADDED_MB MB)"
[ "$added_mb" -le "$OCI_MAX_ADDED_MB" ] || fail "the image adds $added_mb MB to its base, over $OCI_MAX_ADDED_MB MB"

say "OK"
