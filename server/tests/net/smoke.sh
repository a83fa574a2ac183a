#!/usr/bin/env bash
# Black-box smoke test of buzzd: starts the real binary on free loopback ports with a temp data
# dir and drives it over HTTP (curl), WebSocket (node + ws) and TLS. Every check that fails is
# reported; the script exits non-zero if any did.
#
#   server/tests/net/smoke.sh build/buzzd
set -u
BIN=$(realpath "${1:-build/buzzd}")
HERE=$(cd "$(dirname "$0")" && pwd)
WSC="$HERE/ws_client.mjs"
T=$(mktemp -d /tmp/buzzd-smoke.XXXXXX)
PIDS=()
failures=0

cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; failures=$((failures + 1)); }
check() { # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}
# check_twice NAME COMMAND...: for scenarios whose outcome also depends on how the kernel
# hands back socket buffer space (write batching, queue overflow); a second failure counts.
check_twice() {
  local name=$1; shift
  TRIES=1
  if "$@"; then ok "$name"; return; fi
  TRIES=2
  echo "note: '$name' failed once; trying again"
  if "$@"; then ok "$name (second try)"; else bad "$name"; fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A layout like the build tree, copied so the exe-relative defaults are exercised:
# $T/bin/buzzd, $T/web (= <exe dir>/../web), $T/bin/assets (= <exe dir>/assets).
mkdir -p "$T/bin/assets" "$T/web/js" "$T/web/.hidden" "$T/other-cwd"
cp "$BIN" "$T/bin/buzzd"
printf '<!doctype html><title>buzz</title>\n' > "$T/web/index.html"
printf 'export const x = 1;\n' > "$T/web/js/app.js"
printf 'body{}\n' > "$T/web/style.css"
printf '\0asm\1\0\0\0' > "$T/web/nn.wasm"
printf 'secret\n' > "$T/web/.hidden/key"
printf 'model-bytes' > "$T/bin/assets/selfie.3f2a9c04d1e5b7a8.tflite"
printf 'wasm-bytes' > "$T/bin/assets/nn.wasm"
printf '\0asm\1\0\0\0' > "$T/bin/assets/nn.77de0ddcad2d94c0.wasm"
printf '{"schema":1,"wasm":{"path":"nn.77de0ddcad2d94c0.wasm"}}\n' > "$T/bin/assets/manifest.json"
printf 'outside\n' > "$T/outside.txt"

# start NAME PORT ARGS... : runs buzzd from an unrelated cwd, waits for /healthz.
start() {
  local name=$1 port=$2; shift 2
  local scheme=http
  [[ " $* " == *" --tls-cert "* ]] && scheme=https
  (cd "$T/other-cwd" && exec "$T/bin/buzzd" --host 127.0.0.1 --port "$port" --log-level debug \
    "$@" 2>>"$T/$name.log") &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  for _ in $(seq 1 100); do
    curl -ksf "$scheme://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "buzzd ($name) did not come up; log:"; cat "$T/$name.log"; return 1
}

# stop NAME PID: SIGTERM, and the exit status must be 0 (a clean shutdown; under ASan also no
# leaks, which make the exit status non-zero).
stop() {
  kill -TERM "$2"; wait "$2"; local rc=$?
  check "$1 stops cleanly on SIGTERM (rc=$rc)" test "$rc" = 0
}

PORT=$(free_port)
B="http://127.0.0.1:$PORT"
start main "$PORT" --data-dir "$T/data" || exit 1
MAIN_PID=$LAST_PID

# A second server on a taken port fails fast with status 1 (leak checks off: it exits early).
ASAN_OPTIONS=detect_leaks=0 timeout 20 "$BIN" --host 127.0.0.1 --port "$PORT" \
  --data-dir "$T/data-dup" >/dev/null 2>"$T/dup.err"; rc=$?
check "port in use exits 1 (rc=$rc)" test "$rc" = 1
check "port in use is logged" grep -q 'start_failed.*listen_failed' "$T/dup.err"

# ---- HTTP ----------------------------------------------------------------------------------
check "healthz is 200 ok" test "$(curl -s -w ' %{http_code}' "$B/healthz")" = "ok 200"
H=$(curl -si "$B/style.css")
check "css served with MIME" grep -qi '^content-type: text/css' <<<"$H"
check "css max-age=3600" grep -qi '^cache-control: max-age=3600' <<<"$H"
ETAG=$(grep -i '^etag:' <<<"$H" | cut -d' ' -f2 | tr -d '\r')
check "strong ETag present" test -n "$ETAG" -a "${ETAG:0:1}" = '"'
check "304 on If-None-Match" test "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$B/style.css")" = 304
check "200 on other ETag" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "nope"' "$B/style.css")" = 200
check "js MIME" grep -qi '^content-type: text/javascript' <<<"$(curl -si "$B/js/app.js")"
check "wasm MIME" grep -qi "^content-type: application/wasm" <<<"$(curl -s -D - -o /dev/null "$B/nn.wasm")"
H=$(curl -si "$B/")
check "/ serves index.html no-cache" grep -qi '^cache-control: no-cache' <<<"$H"
check "/ is html" grep -q '<title>buzz</title>' <<<"$H"
H=$(curl -si "$B/assets/selfie.3f2a9c04d1e5b7a8.tflite")
check "assets immutable" grep -qi '^cache-control: public, max-age=31536000, immutable' <<<"$H"
check "assets body" grep -q 'model-bytes' <<<"$H"
H=$(curl -si "$B/assets/nn.wasm")
check "unhashed asset revalidated" grep -qi '^cache-control: no-cache' <<<"$H"
# The asset manifest is revalidated; the hashed nn.<sha16>.wasm it names is immutable.
H=$(curl -si "$B/assets/manifest.json")
check "assets manifest no-cache" grep -qi '^cache-control: no-cache' <<<"$H"
check "assets manifest is JSON" grep -qi '^content-type: application/json' <<<"$H"
H=$(curl -s -D - -o /dev/null "$B/assets/nn.77de0ddcad2d94c0.wasm")
check "hashed nn.wasm immutable" grep -qi '^cache-control: public, max-age=31536000, immutable' <<<"$H"
check "hashed nn.wasm MIME" grep -qi '^content-type: application/wasm' <<<"$H"
check "HEAD has no body" test "$(curl -s -I "$B/style.css" -o /dev/null -w '%{size_download}')" = 0
for p in '/../outside.txt' '/%2e%2e/outside.txt' '/js/..%2f..%2foutside.txt' '/.hidden/key' \
         '/%2e%2e%2foutside.txt' '/a%00b' '/assets/../../outside.txt' '/..%5coutside.txt'; do
  code=$(curl -s --path-as-is -o "$T/body" -w '%{http_code}' "$B$p")
  check "traversal $p refused ($code)" bash -c "[ '$code' != 200 ] && ! grep -q -e outside -e secret '$T/body'"
done
check "long path 414" test "$(curl -s -o /dev/null -w '%{http_code}' "$B/$(head -c 2000 /dev/zero | tr '\0' a)")" = 414
check "DELETE is 405" test "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$B/healthz")" = 405
check "405 says Allow: POST" grep -qi '^allow: POST' <<<"$(curl -s -D - -o /dev/null "$B/api/rooms")"
check "unknown file 404 JSON" grep -q '"error":"not_found"' <<<"$(curl -s "$B/nope.js")"

# ---- REST ----------------------------------------------------------------------------------
R=$(curl -s -w '\n%{http_code}' -X POST -H 'content-type: application/json' \
  -d '{"name":"Standup"}' "$B/api/rooms")
check "POST /api/rooms 201" test "$(tail -n1 <<<"$R")" = 201
check "201 says Created" grep -q '^HTTP/1.1 201 Created' <<<"$(curl -si -X POST "$B/api/rooms")"
ROOM=$(head -n1 <<<"$R" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
check "room id shape" grep -Eq '^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$' <<<"$ROOM"
I=$(curl -s "$B/api/rooms/$ROOM")
check "GET room info" /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["name"]=="Standup" and d["participants"]==0 and "owner_token" not in d' "$I"
check "unknown room 404 JSON" grep -q '"error":"room_not_found"' <<<"$(curl -s "$B/api/rooms/zzzz-zzzz-zzzz")"
check "bad JSON 400" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{nope' "$B/api/rooms")" = 400
check "name not a string 400" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"name":5}' "$B/api/rooms")" = 400
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/big"
check "70 KB body 413" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/big" "$B/api/rooms")" = 413
check "empty body creates a room" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$B/api/rooms")" = 201
check "/r/<id> serves the client" grep -q '<title>buzz</title>' <<<"$(curl -s "$B/r/$ROOM")"
H=$(curl -si "$B/api/config")
check "GET /api/config 200 JSON" grep -qi '^content-type: application/json' <<<"$H"
check "GET /api/config no-cache" grep -qi '^cache-control: no-cache' <<<"$H"
check "default assets_url is /assets/" test "$(curl -s "$B/api/config")" = '{"assets_url":"/assets/"}'
check "HEAD /api/config 200" test "$(curl -s -I -o /dev/null -w '%{http_code}' "$B/api/config")" = 200
check "POST /api/config 405 GET, HEAD" grep -qi '^allow: GET, HEAD' <<<"$(curl -s -D - -o /dev/null -X POST "$B/api/config")"
check "plain GET /ws is 400" test "$(curl -s -o /dev/null -w '%{http_code}' "$B/ws")" = 400

# ---- WebSocket -----------------------------------------------------------------------------
check "ws join/chat/relay/fragments/too_large" timeout 60 node "$WSC" roundtrip "ws://127.0.0.1:$PORT/ws" "$ROOM"
check_twice "ws burst of frames batched" timeout 30 node "$WSC" burst "ws://127.0.0.1:$PORT/ws"
WS_EXPECTED=$((2 + TRIES))  # roundtrip opens two connections, burst one per try
check "ws upgrade elsewhere refused" timeout 30 node "$WSC" refused "ws://127.0.0.1:$PORT/api/rooms"
check "HEAD room info" test "$(curl -s -I -o /dev/null -w '%{http_code}' "$B/api/rooms/$ROOM")" = 200

M=$(curl -s "$B/metrics")
for name in buzz_uptime_seconds buzz_rooms buzz_connections 'buzz_http_requests_total{code="200"}' \
            'buzz_messages_in_total{type="join"}' buzz_ws_accepted_total \
            buzz_ws_frames_sent_total buzz_ws_write_batches_total buzz_ws_direct_writes_total; do
  check "metrics has $name" grep -q "^$name " <<<"$M"
done
check "metrics counted $WS_EXPECTED ws" grep -q "^buzz_ws_accepted_total $WS_EXPECTED\$" <<<"$M"
check "metrics counted a 413" grep -q '^buzz_http_requests_total{code="413"} 1$' <<<"$M"
check "metrics has the loop-lag probe's samples" \
  grep -Eq '^buzz_loop_lag_seconds_count [1-9][0-9]*$' <<<"$M"
H=$(curl -s -D - -o /dev/null "$B/")
check "pages are cross-origin isolated (COOP)" grep -qi '^cross-origin-opener-policy: same-origin' <<<"$H"
check "pages are cross-origin isolated (COEP)" grep -qi '^cross-origin-embedder-policy: credentialless' <<<"$H"
check "metrics has the media workers' counters" grep -q '^buzz_rtc_rx_packets_total{worker="0"} ' <<<"$M"
check "loop-lag buckets end at +Inf" grep -q '^buzz_loop_lag_seconds_bucket{le="+Inf"} ' <<<"$M"

# ---- SIGTERM: clients get 1001, exit 0 -----------------------------------------------------
rm -f "$T/ready"
node "$WSC" shutdown "ws://127.0.0.1:$PORT/ws" "$ROOM" "$T/ready" >"$T/shutdown.out" 2>&1 &
WSPID=$!
for _ in $(seq 1 100); do [ -e "$T/ready" ] && break; sleep 0.1; done
kill -TERM "$MAIN_PID"
wait "$MAIN_PID"; rc=$?
check "SIGTERM exits 0 (rc=$rc)" test "$rc" = 0
wait "$WSPID"; wrc=$?
check "ws client saw 1001" test "$wrc" = 0
[ "$wrc" = 0 ] || cat "$T/shutdown.out"

# ---- persistence across kill -9 ------------------------------------------------------------
start main2 "$PORT" --data-dir "$T/data" || exit 1
check "room survives a clean restart" test "$(curl -s -o /dev/null -w '%{http_code}' "$B/api/rooms/$ROOM")" = 200
R2=$(curl -s -X POST -d '{"name":"Crash"}' "$B/api/rooms" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
kill -9 "$LAST_PID"; wait "$LAST_PID" 2>/dev/null
start main3 "$PORT" --data-dir "$T/data" || exit 1
check "room survives kill -9" grep -q '"name":"Crash"' <<<"$(curl -s "$B/api/rooms/$R2")"
stop main3 "$LAST_PID"

# ---- config file + send-queue overflow -----------------------------------------------------
P2=$(free_port)
cat >"$T/conf.json" <<EOF
{"port": 1, "data_dir": "$T/data2", "rate_per_s": 10000, "rate_burst": 10000,
 "room_create_burst": 3, "room_create_per_min": 0.5,
 "send_queue_max_msgs": 16, "send_queue_max_bytes": 65536, "log_level": "info",
 "assets_url": "/from-file/"}
EOF
# --port and --assets-url on the command line override the file's.
start conf "$P2" --config "$T/conf.json" --assets-url https://cdn.example/bz/ || exit 1
check "config data_dir used" test -e "$T/data2/buzz.db"
check "--assets-url served by /api/config" \
  test "$(curl -s "http://127.0.0.1:$P2/api/config")" = '{"assets_url":"https://cdn.example/bz/"}'
ROOM2=$(curl -s -X POST "http://127.0.0.1:$P2/api/rooms" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
check_twice "queued frames drain in batches, in order" timeout 60 node "$WSC" drain "ws://127.0.0.1:$P2/ws" "$ROOM2"
check_twice "slow reader closed, others fine" timeout 60 node "$WSC" overflow "ws://127.0.0.1:$P2/ws" "$ROOM2"
check "overflow logged" grep -q 'ws_overflow' "$T/conf.log"
codes=""
for _ in 1 2 3; do codes+="$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$P2/api/rooms") "; done
check "room creation rate limit: 201 201 429 ($codes)" test "$codes" = "201 201 429 "
H=$(curl -si -X POST "http://127.0.0.1:$P2/api/rooms")
check "429 carries Retry-After" grep -qi '^retry-after: 1' <<<"$H"
check "429 says Too Many Requests" grep -q '^HTTP/1.1 429 Too Many Requests' <<<"$H"
stop conf "$LAST_PID"

# ---- TLS -----------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
  -subj /CN=localhost >/dev/null 2>&1
P3=$(free_port)
start tls "$P3" --data-dir "$T/data3" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
  --idle-timeout-s 2 || exit 1
check "https healthz" test "$(curl -ks "https://127.0.0.1:$P3/healthz")" = ok
check "plain http refused on the TLS port" bash -c "! curl -sf --max-time 3 http://127.0.0.1:$P3/healthz"
check "wss ping" timeout 30 node "$WSC" ping "wss://127.0.0.1:$P3/ws"
check "silent wss client closed with 4002" timeout 30 node "$WSC" idle "wss://127.0.0.1:$P3/ws"
stop tls "$LAST_PID"

# ---- command line --------------------------------------------------------------------------
"$BIN" --help >"$T/help" 2>&1; rc=$?
check "--help exits 0" test "$rc" = 0
check "--help lists flags" grep -q -- '--tls-cert' "$T/help"
check "--help lists --assets-url" grep -q -- '--assets-url' "$T/help"
"$BIN" --bogus 1 >/dev/null 2>&1; check "unknown flag exits 2" test $? = 2
"$BIN" --port abc >/dev/null 2>&1; check "bad port exits 2" test $? = 2
"$BIN" --port 70000 >/dev/null 2>&1; check "port out of range exits 2" test $? = 2
"$BIN" --tls-cert x >/dev/null 2>&1; check "cert without key exits 2" test $? = 2
"$BIN" --assets-url cdn.example/bz/ >/dev/null 2>"$T/err"; rc=$?
check "relative --assets-url exits 2 (rc=$rc)" test "$rc" = 2
check "bad --assets-url message names the key" grep -q assets_url "$T/err"
"$BIN" --assets-url=https://cdn.example/bz >/dev/null 2>&1; check "--assets-url without final / exits 2" test $? = 2
echo '{"max_rooms": "many"}' >"$T/bad.json"
"$BIN" --config "$T/bad.json" 2>"$T/err" >/dev/null; rc=$?
check "bad config exits 2 (rc=$rc)" test "$rc" = 2
check "bad config message names the key" grep -q max_rooms "$T/err"
"$BIN" --config "$T/missing.json" >/dev/null 2>&1; check "missing config exits 2" test $? = 2

# The logs have one key=value line per event.
check "listen line logged" grep -q "INFO listen addr=http://127.0.0.1:$PORT" "$T/main.log"
check "ws open logged" grep -q 'INFO ws_open peer=' "$T/main.log"
check "http request logged at debug" grep -q 'DEBUG http method=GET path=/healthz status=200' "$T/main.log"

# Sanitizer builds (see test-server-net-asan) report into the logs.
check "no sanitizer reports" bash -c "! grep -l -e AddressSanitizer -e 'runtime error' -e LeakSanitizer -e ThreadSanitizer $T/*.log"

if [ "$failures" -ne 0 ]; then
  echo "smoke: $failures check(s) FAILED; main log tail:"; tail -n 30 "$T/main.log"
  exit 1
fi
echo "smoke: all checks passed"
