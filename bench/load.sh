#!/usr/bin/env bash
# Load benchmark: Chapterhouse (release build, demo data, SQLite) against nginx serving the very
# same HTML from files, both on loopback. See bench/README.md.
#
# Environment (all optional):
#   CARGO_TARGET_DIR  build directory (default as in .ci/run: /work/target when writable, else
#                     $HOME/.cache/chapterhouse-target)
#   CHAPTERHOUSE_BIN  use this binary instead of building target/release/chapterhouse
#   DURATION          wrk duration per URL (default 10s)
#   CONNECTIONS       wrk connections (default 64)
#   THREADS           wrk threads (default 2)
#   WARMUP            wrk warm-up duration per URL, not measured (default 2s)
#   CH_PORT, NGINX_PORT  loopback ports (default 18080, 18081)
#   EVENTS_SCALE      1: also generate events and registrations into the demo society
#                     (`chapterhouse generate-events`) and load /events and one event page
#   SCALE_EVENTS, SCALE_REGISTRATIONS  how many (default 2000 and 200000)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-2s}
CH_PORT=${CH_PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
EVENTS_SCALE=${EVENTS_SCALE:-}
SCALE_EVENTS=${SCALE_EVENTS:-2000}
SCALE_REGISTRATIONS=${SCALE_REGISTRATIONS:-200000}
SCALE_EVENT_PATH=/events/scale-00000 # the generated event with the largest registrant list
HOST=127.0.0.1 # loopback only, always
SITE_HOST=localhost # the first demo society's host name

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() {
    if [[ $EUID -eq 0 ]]; then "$@"; else sudo -n "$@"; fi
}

# ---------------------------------------------------------------------------------------------
# Cleanup: stop exactly what this script started.

WORK=""
CH_PID=""
NGINX_PID=""
POLICY_RC_ADDED=""

stop_pid() {
    local pid=$1 signal=${2:-TERM} i
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill "-$signal" "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    set +e
    stop_pid "$CH_PID" TERM
    stop_pid "$NGINX_PID" QUIT
    wait 2>/dev/null
    if [[ -n $POLICY_RC_ADDED ]]; then as_root rm -f /usr/sbin/policy-rc.d; fi
    if [[ -n $WORK && -d $WORK ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Tools.

install_missing() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
    command -v curl >/dev/null || missing+=(curl)
    ((${#missing[@]})) || return 0
    log "installing ${missing[*]} with apt-get"
    # Keep the packages' own services (nginx on port 80) from starting during the install.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
        as_root chmod 755 /usr/sbin/policy-rc.d
        POLICY_RC_ADDED=1
    fi
    as_root apt-get update -q >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    if [[ -n $POLICY_RC_ADDED ]]; then as_root rm -f /usr/sbin/policy-rc.d; POLICY_RC_ADDED=""; fi
}

port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---------------------------------------------------------------------------------------------

install_missing
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

for port in "$CH_PORT" "$NGINX_PORT"; do
    if port_in_use "$port"; then die "port $port on $HOST is already in use; set CH_PORT/NGINX_PORT"; fi
done

if [[ -z ${CHAPTERHOUSE_BIN:-} ]]; then
    if [[ -z ${CARGO_TARGET_DIR:-} ]]; then
        if [[ (-d /work/target && -w /work/target) || (! -e /work/target && -d /work && -w /work) ]]; then
            CARGO_TARGET_DIR=/work/target
        else
            CARGO_TARGET_DIR=${HOME:-/root}/.cache/chapterhouse-target
        fi
    fi
    export CARGO_TARGET_DIR
    log "building the release binary (cargo build --release -p chapterhouse, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    build_start=$SECONDS
    (cd "$REPO" && timeout 3600 cargo build --release -p chapterhouse)
    log "build: $((SECONDS - build_start)) s"
    CHAPTERHOUSE_BIN=$CARGO_TARGET_DIR/release/chapterhouse
fi
[[ -x $CHAPTERHOUSE_BIN ]] || die "no executable at $CHAPTERHOUSE_BIN"

WORK=$(mktemp -d /tmp/chapterhouse-bench.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/www" "$WORK/data" "$WORK/nginx"

# --- Chapterhouse ------------------------------------------------------------------------------

start_chapterhouse() {
    "$CHAPTERHOUSE_BIN" serve --demo --listen "$HOST:$CH_PORT" --data-dir "$WORK/data" >>"$WORK/chapterhouse.log" 2>&1 &
    CH_PID=$!
}

# Milliseconds from the spawn to the first 200 from /healthz (polled every ~10 ms).
wait_healthy_ms() {
    local start=$1 code
    for ((;;)); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://$HOST:$CH_PORT/healthz" || true)
        if [[ $code == 200 ]]; then echo $(($(now_ms) - start)); return 0; fi
        kill -0 "$CH_PID" 2>/dev/null || { cat "$WORK/chapterhouse.log" >&2; die "chapterhouse exited during start-up"; }
        if (($(now_ms) - start > 120000)); then cat "$WORK/chapterhouse.log" >&2; die "chapterhouse not healthy after 120 s"; fi
        sleep 0.01
    done
}

rss_kib() { awk -v f="$2" '$1 == f":" {print $2}' "/proc/$1/status"; }

log "starting chapterhouse (first start: creates and seeds the demo database)"
t0=$(now_ms)
start_chapterhouse
STARTUP_FIRST_MS=$(wait_healthy_ms "$t0")
stop_pid "$CH_PID" TERM
wait "$CH_PID" 2>/dev/null || true

GENERATED=""
if [[ -n $EVENTS_SCALE ]]; then
    log "generating $SCALE_EVENTS events and $SCALE_REGISTRATIONS registrations into the demo society"
    GENERATED=$("$CHAPTERHOUSE_BIN" generate-events --data-dir "$WORK/data" \
        --events "$SCALE_EVENTS" --registrations "$SCALE_REGISTRATIONS" 2>&1) \
        || { printf '%s\n' "$GENERATED" >&2; die "generate-events failed"; }
    log "$GENERATED"
fi

log "restarting chapterhouse on the existing data directory"
t0=$(now_ms)
start_chapterhouse
STARTUP_MS=$(wait_healthy_ms "$t0")
sleep 2
IDLE_RSS_KIB=$(rss_kib "$CH_PID" VmRSS)

# --- The same HTML from nginx -------------------------------------------------------------------

curl -fsS --max-time 10 -H "Host: $SITE_HOST:$CH_PORT" -D "$WORK/home.headers" -o "$WORK/www/home.html" "http://$HOST:$CH_PORT/"
curl -fsS --max-time 10 -H "Host: $SITE_HOST:$CH_PORT" -D "$WORK/about.headers" -o "$WORK/www/about.html" "http://$HOST:$CH_PORT/about"
grep -qi '<html' "$WORK/www/home.html" || die "/ did not answer HTML"
grep -qi '<html' "$WORK/www/about.html" || die "/about did not answer HTML"
PAGES=(home about)
declare -A PATHS=([home]=/ [about]=/about)
if [[ -n $EVENTS_SCALE ]]; then
    PAGES+=(events event)
    PATHS[events]=/events PATHS[event]=$SCALE_EVENT_PATH
    curl -fsS --max-time 10 -H "Host: $SITE_HOST:$CH_PORT" -o "$WORK/www/events.html" "http://$HOST:$CH_PORT/events"
    curl -fsS --max-time 10 -H "Host: $SITE_HOST:$CH_PORT" -o "$WORK/www/event.html" "http://$HOST:$CH_PORT$SCALE_EVENT_PATH"
    grep -q 'scale-00' "$WORK/www/events.html" || die "/events does not list the generated events"
    grep -qi '<html' "$WORK/www/event.html" || die "$SCALE_EVENT_PATH did not answer HTML"
fi
chmod -R a+rX "$WORK/www"

cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types { text/html html; }
    default_type text/html;
    charset utf-8;
    client_body_temp_path $WORK/nginx/client_body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    server {
        listen $HOST:$NGINX_PORT;
        root $WORK/www;
        location = / { try_files /home.html =404; }
        location = /about { try_files /about.html =404; }
        location = /events { try_files /events.html =404; }
        location = $SCALE_EVENT_PATH { try_files /event.html =404; }
    }
}
EOF
"$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
for ((i = 0; i < 100; i++)); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://$HOST:$NGINX_PORT/") == 200 ]] && break
    kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx/error.log" "$WORK/nginx/stdout.log" >&2; die "nginx did not start"; }
    sleep 0.1
done
cmp -s <(curl -fsS "http://$HOST:$NGINX_PORT/about") "$WORK/www/about.html" || die "nginx does not serve the saved /about"

# --- Load ---------------------------------------------------------------------------------------

# wrk_run <url> <host header> <name>: prints "<req/s> <p99 ms> <non-2xx> <socket errors>".
wrk_run() {
    local url=$1 host=$2 name=$3 out
    timeout 60 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -H "Host: $host" "$url" >/dev/null
    out=$(timeout 300 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Host: $host" "$url")
    printf '%s\n' "$out" >"$WORK/wrk-$name.txt"
    printf '%s\n' "$out" | awk '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /m$/)  return v * 60000
            if (v ~ /s$/)  return v * 1000
            return v + 0
        }
        /Requests\/sec:/ { rps = $2 }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { non2xx = $NF }
        /Socket errors:/ { gsub(",", ""); errs = $4 + $6 + $8 + $10 }
        END { printf "%s %.3f %d %d\n", rps, p99, non2xx + 0, errs + 0 }'
}

declare -A RPS P99 NON2XX ERRS
for page in "${PAGES[@]}"; do
    path=${PATHS[$page]}
    for server in chapterhouse nginx; do
        if [[ $server == chapterhouse ]]; then
            url="http://$HOST:$CH_PORT$path" host="$SITE_HOST:$CH_PORT"
        else
            url="http://$HOST:$NGINX_PORT$path" host="$SITE_HOST:$NGINX_PORT"
        fi
        log "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url (Host: $host)"
        result=$(wrk_run "$url" "$host" "$server-$page")
        read -r rps p99 non2xx errs <<<"$result"
        RPS[$server-$page]=$rps P99[$server-$page]=$p99 NON2XX[$server-$page]=$non2xx ERRS[$server-$page]=$errs
    done
done
PEAK_RSS_KIB=$(rss_kib "$CH_PID" VmHWM)
AFTER_RSS_KIB=$(rss_kib "$CH_PID" VmRSS)

# --- Report ---------------------------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo
echo "Chapterhouse vs nginx on loopback: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "binary: $CHAPTERHOUSE_BIN ($("$CHAPTERHOUSE_BIN" --version 2>/dev/null || echo '?'))"
html="HTML: / $(wc -c <"$WORK/www/home.html") bytes, /about $(wc -c <"$WORK/www/about.html") bytes"
if [[ -n $EVENTS_SCALE ]]; then
    html+=", /events $(wc -c <"$WORK/www/events.html") bytes, $SCALE_EVENT_PATH $(wc -c <"$WORK/www/event.html") bytes"
    echo "$GENERATED"
fi
echo "$html"
echo
printf '%-7s %-13s %12s %10s %8s %8s\n' "page" "server" "requests/s" "p99 ms" "non-2xx" "errors"
for page in "${PAGES[@]}"; do
    for server in chapterhouse nginx; do
        k=$server-$page
        printf '%-7s %-13s %12.0f %10.2f %8s %8s\n' "$page" "$server" "${RPS[$k]}" "${P99[$k]}" "${NON2XX[$k]}" "${ERRS[$k]}"
    done
    printf '%-7s %-13s %12s %10s\n' "$page" "ratio ch/ngx" \
        "$(ratio "${RPS[chapterhouse-$page]}" "${RPS[nginx-$page]}")" \
        "$(ratio "${P99[chapterhouse-$page]}" "${P99[nginx-$page]}")"
done
if [[ -n $EVENTS_SCALE ]]; then
    echo
    echo "targets: /events requests/s >= 0.5 x nginx: $(ratio "${RPS[chapterhouse-events]}" "${RPS[nginx-events]}");" \
        "$SCALE_EVENT_PATH p99 < 10 ms at $CONNECTIONS connections: ${P99[chapterhouse-event]} ms"
fi
echo
echo "chapterhouse start-up to first 200 from /healthz: ${STARTUP_FIRST_MS} ms on a new data directory (creates and seeds the demo), ${STARTUP_MS} ms on the existing one"
echo "chapterhouse RSS: ${IDLE_RSS_KIB} KiB idle after start, ${AFTER_RSS_KIB} KiB after the load, ${PEAK_RSS_KIB} KiB peak"

bad=0
for k in "${!NON2XX[@]}"; do
    if ((NON2XX[$k] > 0 || ERRS[$k] > 0)); then
        log "warning: $k had ${NON2XX[$k]} non-2xx responses and ${ERRS[$k]} socket errors; its numbers are not comparable"
        bad=1
    fi
done
exit "$bad"
