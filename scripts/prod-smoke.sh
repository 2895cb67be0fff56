#!/usr/bin/env bash
# Production smoke test: the README's "Production" steps on a fresh PostgreSQL database and
# role, then the server under gunicorn with DEBUG=0 on a loopback port, checked over HTTP the
# way the TLS proxy in front of it would call it. Run by .ci/run; by hand:
#
#   scripts/prod-smoke.sh
#
# The commands it runs are the README's own lines: each is looked up in the README's
# Production section first, so the two cannot drift apart without this failing.
#
# Environment (all optional):
#   SMOKE_PGHOST, SMOKE_PGPORT, SMOKE_PGUSER  a PostgreSQL superuser that can create a role and
#                    a database (default 127.0.0.1, 5432, postgres)
#   SMOKE_PORT       loopback port for gunicorn (default: a free one)
#   SMOKE_REDIS_URL  Redis for the cache and Celery; a Celery worker is then started too.
#                    Unset: tasks in process and a local-memory cache. Only keys under this
#                    run's own cache prefix are deleted afterwards.
#   SMOKE_TIMEOUT    seconds allowed for each step (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."

pg_admin=(-h "${SMOKE_PGHOST:-127.0.0.1}" -p "${SMOKE_PGPORT:-5432}" -U "${SMOKE_PGUSER:-postgres}")
step_timeout=${SMOKE_TIMEOUT:-300}
run_id="smoke_$$_$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cache_prefix="wiki-$run_id"
work=$(mktemp -d "${TMPDIR:-/tmp}/wiki-prod-smoke.XXXXXX")
gunicorn_pid=""
worker_pid=""
db_created=""
role_created=""
reason=""

say() { printf '[prod-smoke] %s\n' "$*"; }
fail() {
  reason=$*
  printf '[prod-smoke] FAILED: %s\n' "$reason" >&2
  exit 1
}

# Stop a process we started: SIGTERM, up to $2 seconds for a graceful exit, then SIGKILL.
stop() {
  local pid=$1 grace=$2
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((grace * 10))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  set +e
  [ -n "$gunicorn_pid" ] && stop "$gunicorn_pid" 15
  [ -n "$worker_pid" ] && stop "$worker_pid" 15
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -s "$log" ] || continue
      printf '\n----- %s (last 200 lines) -----\n' "$(basename "$log")" >&2
      tail -n 200 "$log" >&2
    done
    printf '\n[prod-smoke] FAILED (exit %s): %s; logs above\n' "$status" "${reason:-see above}" >&2
  fi
  if [ -n "${SMOKE_REDIS_URL:-}" ]; then
    timeout 30 .venv/bin/python -c 'import sys, redis
r = redis.Redis.from_url(sys.argv[1])
for key in r.scan_iter(match=sys.argv[2] + ":*"):
    r.delete(key)' "$SMOKE_REDIS_URL" "$cache_prefix" >/dev/null 2>&1
  fi
  [ -n "$db_created" ] && timeout 60 dropdb "${pg_admin[@]}" --if-exists --force "$run_id" >/dev/null 2>&1
  [ -n "$role_created" ] && timeout 60 dropuser "${pg_admin[@]}" --if-exists "$run_id" >/dev/null 2>&1
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The README's Production section, and a check that a command is written there as run here.
production_section=$(sed -n '/^## Production/,/^## /p' README.md)
[ -n "$production_section" ] || fail "README.md has no '## Production' section"
readme_has() {
  grep -qF -- "$1" <<<"$production_section" || fail "README's Production section lost the line: $1"
}
# Run one README command, bounded in time, with its output in a log.
step() {
  readme_has "$1"
  say "$1"
  timeout "$step_timeout" bash -c "$1" >>"$work/steps.log" 2>&1 || fail "step failed: $1"
}

# --- 1. A database and its owner (README: createuser, createdb --owner) ---------------------
readme_has "createuser --pwprompt wiki"
readme_has "createdb --owner wiki wiki"
db_password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
say "createuser $run_id, createdb --owner $run_id $run_id"
# createuser --pwprompt would ask on a terminal; the same role, with its password given here.
timeout 60 psql "${pg_admin[@]}" -v ON_ERROR_STOP=1 -q -d postgres \
  -c "CREATE ROLE $run_id LOGIN PASSWORD '$db_password'" >>"$work/steps.log" 2>&1 ||
  fail "cannot create a PostgreSQL role as ${pg_admin[*]}"
role_created=1
timeout 60 createdb "${pg_admin[@]}" --owner "$run_id" "$run_id" >>"$work/steps.log" 2>&1 ||
  fail "cannot create the database $run_id"
db_created=1

# --- 2. Settings (README: .env, here the environment, which wins over a developer's .env) --
secret_key_cmd="python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
readme_has "$secret_key_cmd"
port=${SMOKE_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
base="http://127.0.0.1:$port"
export DJANGO_SETTINGS_MODULE=wiki.settings
export DEBUG=0
SECRET_KEY=$(eval "$secret_key_cmd")
export SECRET_KEY
export ALLOWED_HOSTS="127.0.0.1,localhost"
export DATABASE_URL="postgres://$run_id:$db_password@${SMOKE_PGHOST:-127.0.0.1}:${SMOKE_PGPORT:-5432}/$run_id"
export REDIS_URL="${SMOKE_REDIS_URL:-}"
export CACHE_KEY_PREFIX="$cache_prefix"
# Behind the README's TLS proxy: requests below carry X-Forwarded-Proto: https as it sets it.
export SECURE_PROXY=1
# Production defaults, whatever a .env in this folder says (an empty value means the default).
export SECURE_SSL_REDIRECT="" SESSION_COOKIE_SECURE="" CSRF_COOKIE_SECURE="" CSRF_TRUSTED_ORIGINS=""
export SECURE_HSTS_SECONDS=31536000 SECURE_HSTS_INCLUDE_SUBDOMAINS="" SECURE_HSTS_PRELOAD=""
# gunicorn.conf.py as the README runs it: its default worker count, on our own port.
export GUNICORN_BIND="127.0.0.1:$port" GUNICORN_CONTROL_SOCKET=""
unset WEB_CONCURRENCY GUNICORN_TIMEOUT GUNICORN_CMD_ARGS
say "settings: DEBUG=0, ALLOWED_HOSTS=$ALLOWED_HOSTS, SECURE_PROXY=1, database $run_id, Redis ${REDIS_URL:-none}, port $port"

# --- 3. Install, tables, static files, deployment checks -----------------------------------
step "make setup"
step ".venv/bin/python manage.py migrate --noinput"
step ".venv/bin/python manage.py collectstatic --noinput"
step ".venv/bin/python manage.py check --deploy --fail-level WARNING"

# --- 4. An administrator and an API key, as the README writes them --------------------------
admin_email="admin@example.com"
admin_password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
superuser_cmd=".venv/bin/python manage.py createsuperuser --noinput --email $admin_email --name Admin"
readme_has "$superuser_cmd"
say "DJANGO_SUPERUSER_PASSWORD=... $superuser_cmd"
DJANGO_SUPERUSER_PASSWORD="$admin_password" timeout "$step_timeout" bash -c "$superuser_cmd" \
  >>"$work/steps.log" 2>&1 || fail "createsuperuser failed"
apikey_cmd='.venv/bin/python manage.py createapikey --name "scripts" --groups Administrators --expiration 30d | tail -n 1'
readme_has "KEY=\$($apikey_cmd)"
say "KEY=\$($apikey_cmd)"
KEY=$(timeout "$step_timeout" bash -c "set -o pipefail; $apikey_cmd" 2>>"$work/steps.log") ||
  fail "createapikey failed"
[ -n "$KEY" ] || fail "createapikey printed no key"

# --- 5. The server, and the worker when there is a broker ----------------------------------
readme_has ".venv/bin/gunicorn -c gunicorn.conf.py"
say ".venv/bin/gunicorn -c gunicorn.conf.py (GUNICORN_BIND=$GUNICORN_BIND)"
.venv/bin/gunicorn -c gunicorn.conf.py >"$work/gunicorn.log" 2>&1 &
gunicorn_pid=$!
if [ -n "$REDIS_URL" ]; then
  readme_has ".venv/bin/celery -A wiki worker -B --loglevel=INFO"
  say ".venv/bin/celery -A wiki worker -B --loglevel=INFO (CELERY_BEAT_SCHEDULE_FILE in $work)"
  # Beat's schedule file in this run's folder, not in the checkout's data folder.
  CELERY_BEAT_SCHEDULE_FILE="$work/celerybeat-schedule" \
    .venv/bin/celery -A wiki worker -B --loglevel=INFO -n "$run_id@%h" >"$work/celery.log" 2>&1 &
  worker_pid=$!
fi

ready=""
for _ in $(seq 300); do # 30 s
  kill -0 "$gunicorn_pid" 2>/dev/null || fail "gunicorn exited"
  if curl -s -o /dev/null --max-time 2 "$base/admin/login/"; then ready=1 && break; fi
  sleep 0.1
done
[ -n "$ready" ] || fail "gunicorn did not answer on $base within 30 s"
if [ -n "$worker_pid" ]; then
  ready=""
  for _ in $(seq 600); do # 60 s
    kill -0 "$worker_pid" 2>/dev/null || fail "the Celery worker exited"
    if grep -q " ready\.$" "$work/celery.log" && grep -q "beat: Starting" "$work/celery.log"; then
      ready=1 && break
    fi
    sleep 0.1
  done
  [ -n "$ready" ] || fail "the Celery worker and its beat were not ready within 60 s"
  say "Celery worker and beat ready"
fi

# --- 6. Over HTTP ----------------------------------------------------------------------------
proxied=(-H "X-Forwarded-Proto: https")

# fetch URL OUT [curl options...]: the HTTP status; headers in OUT.headers.
fetch() {
  local url=$1 out=$2
  shift 2
  curl -s --max-time 20 -o "$out" -D "$out.headers" -w '%{http_code}' "$@" "$url" || echo "000"
}
expect_status() {
  [ "$1" = "$2" ] || fail "$3: HTTP $1, expected $2 (headers: $(tr -d '\r' <"$4.headers" | paste -sd' '))"
}
# check_assets PAGE WHAT KIND...: every stylesheet and script PAGE links, and each source map
# those files name, is served; PAGE links at least one file of each KIND (css, js).
check_assets() {
  local page=$1 what=$2 urls url status count=0 map kind
  shift 2
  urls=$(grep -oE '(href|src)="[^"]+\.(css|js)"' "$page" | sed -E 's/^(href|src)="//; s/"$//' | sort -u)
  for url in $urls; do
    case $url in /*) ;; *) fail "$what links $url, not a path on this server" ;; esac
    status=$(fetch "$base$url" "$work/asset" "${proxied[@]}")
    expect_status "$status" 200 "$what asset $url" "$work/asset"
    [ -s "$work/asset" ] || fail "$what asset $url is empty"
    count=$((count + 1))
    for map in $(sed -nE 's%^(//# sourceMappingURL=(.*)|/\*# sourceMappingURL=(.*[^ ]) *\*/)$%\2\3%p' "$work/asset"); do
      status=$(fetch "$base${url%/*}/$map" "$work/map" "${proxied[@]}")
      expect_status "$status" 200 "source map $map of $url" "$work/map"
    done
  done
  for kind in "$@"; do grep -qE "\.$kind$" <<<"$urls" || fail "$what links no .$kind file"; done
  say "$what: $count assets served"
}

# Production defaults are on: plain http is sent to https.
status=$(fetch "$base/admin/login/" "$work/plain")
expect_status "$status" 301 "plain http /admin/login/" "$work/plain"
grep -qi "^location: https://127.0.0.1:$port/admin/login/" "$work/plain.headers" ||
  fail "plain http is not redirected to https"
say "plain http redirects to https"

# The admin's login page and its stylesheets.
status=$(fetch "$base/admin/login/" "$work/login.html" "${proxied[@]}")
expect_status "$status" 200 "GET /admin/login/" "$work/login.html"
check_assets "$work/login.html" "/admin/login/" css

# The administrator created above signs in (CSRF token and secure cookies as a browser sends).
csrf_cookie=$(tr -d '\r' <"$work/login.html.headers" | sed -nE 's/^[Ss]et-[Cc]ookie: csrftoken=([^;]*).*/\1/p')
csrf_token=$(sed -nE 's/.*name="csrfmiddlewaretoken" value="([^"]+)".*/\1/p' "$work/login.html" | head -n 1)
[ -n "$csrf_cookie" ] && [ -n "$csrf_token" ] || fail "the login page set no CSRF cookie or token"
status=$(fetch "$base/admin/login/" "$work/signin" "${proxied[@]}" \
  -H "Cookie: csrftoken=$csrf_cookie" -H "Referer: https://127.0.0.1:$port/admin/login/" \
  --data-urlencode "csrfmiddlewaretoken=$csrf_token" --data-urlencode "username=$admin_email" \
  --data-urlencode "password=$admin_password" --data-urlencode "next=/admin/")
expect_status "$status" 302 "signing in to the admin" "$work/signin"
# The wiki's sign-in sets the jwt cookie (a session token), Secure behind the HTTPS proxy.
cookie_line=$(tr -d '\r' <"$work/signin.headers" | grep -iE '^set-cookie: jwt=' || true)
session=$(printf '%s' "$cookie_line" | sed -nE 's/^[Ss]et-[Cc]ookie: jwt=([^;]*).*/\1/p')
[ -n "$session" ] || fail "signing in set no session cookie"
printf '%s' "$cookie_line" | grep -qi '; *secure' || fail "the session cookie is not Secure"
printf '%s' "$cookie_line" | grep -qi '; *httponly' || fail "the session cookie is not HttpOnly"
status=$(fetch "$base/admin/" "$work/admin.html" "${proxied[@]}" -H "Cookie: jwt=$session")
expect_status "$status" 200 "GET /admin/ signed in" "$work/admin.html"
say "the administrator signs in to /admin/"

# The explorer and its assets.
status=$(fetch "$base/_graphql" "$work/explorer.html" "${proxied[@]}" -H "Accept: text/html")
expect_status "$status" 200 "GET /_graphql (explorer)" "$work/explorer.html"
check_assets "$work/explorer.html" "the explorer" css js

# Seed queries with the API key: data and no errors.
graphql() {
  local status
  status=$(fetch "$base/_graphql" "$work/answer.json" "${proxied[@]}" \
    -H "Content-Type: application/json" -H "Authorization: Bearer $KEY" --data "$1")
  expect_status "$status" 200 "POST /_graphql $1" "$work/answer.json"
  .venv/bin/python -c 'import json, sys
answer = json.load(open(sys.argv[1]))
if answer.get("errors") or not isinstance(answer.get("data"), dict):
    sys.exit(f"{sys.argv[2]} answered {answer}")
exec(sys.argv[3])' "$work/answer.json" "$1" "$2" || fail "GraphQL $1"
}
graphql '{"query": "{ sites { id } }"}' '
assert len(answer["data"]["sites"]) >= 1, answer
print(answer["data"]["sites"][0]["id"])' >"$work/site"
site=$(cat "$work/site")
graphql '{"query": "mutation ($site: UUID!) { createPage (siteId: $site locale: \"en\" path: \"home\" title: \"Home\" description: \"\" content: \"# Welcome\" editor: \"markdown\" publishState: published) { operation { succeeded message } page { id } } }", "variables": {"site": "'"$site"'"}}' '
assert answer["data"]["createPage"]["operation"]["succeeded"], answer'
graphql '{"query": "{ pages { id path title } }"}' '
assert [(p["path"], p["title"]) for p in answer["data"]["pages"]] == [("home", "Home")], answer'
say "GraphQL with the API key: sites, createPage, pages"

# The administrator signs in through the API too: a session token that the API accepts.
graphql '{"query": "mutation ($site: UUID!, $email: String!, $password: String!) { login(username: $email, password: $password, strategyId: \"5a528c4c-0a82-4ad2-96a5-2b23811e6588\", siteId: $site) { operation { succeeded message } nextAction jwt } }", "variables": {"site": "'"$site"'", "email": "'"$admin_email"'", "password": "'"$admin_password"'"}}' '
result = answer["data"]["login"]
assert result["operation"]["succeeded"] and result["nextAction"] == "redirect", answer
print(result["jwt"])' >"$work/jwt"
status=$(fetch "$base/_graphql" "$work/me.json" "${proxied[@]}" -H "Content-Type: application/json" \
  -H "Authorization: Bearer $(cat "$work/jwt")" --data '{"query": "{ apiKeys { name } }"}')
expect_status "$status" 200 "POST /_graphql with the session token" "$work/me.json"
grep -q '"apiKeys":\[' "$work/me.json" || fail "the session token did not act as the administrator"
say "GraphQL login: the session token acts as the administrator"

kill -0 "$gunicorn_pid" 2>/dev/null || fail "gunicorn exited during the checks"
if grep -qE "Traceback|\[ERROR\]| ERROR " "$work/gunicorn.log"; then fail "the server logged errors"; fi
say "passed"
