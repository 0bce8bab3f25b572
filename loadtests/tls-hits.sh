#!/usr/bin/env bash
# Usage: bash loadtests/tls-hits.sh (after dotnet build edge -c Release; needs wrk, openssl, curl, taskset).
# HTTPS against HTTP memory hits, same build, same run: two Development edges (the quick start's embedded default),
# one on plain HTTP, one on an HTTPS endpoint (ECDSA P-256, TLS 1.3); wrk -t1 -c16 keep-alive, alternated.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd); E=$root/edge; D=$(mktemp -d)
cd "$D"
[ -f $E/bin/Release/net10.0/EdgeImages.Edge.dll ] || { echo "build first: dotnet build edge -c Release" >&2; exit 2; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out cert.pem -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -days 2 2>/dev/null
common=(RateLimiting__PerClientPerSecond=10000000 RateLimiting__PerClientBurst=10000000 DOTNET_gcServer=1)
env "${common[@]}" taskset -c 1 dotnet $E/bin/Release/net10.0/EdgeImages.Edge.dll --environment Development --contentRoot $E \
  --urls http://127.0.0.1:18081 > http.log 2>&1 & P1=$!
env "${common[@]}" Kestrel__Endpoints__Https__Url=https://127.0.0.1:18443 Kestrel__Endpoints__Https__Certificate__Path=$D/cert.pem \
  Kestrel__Endpoints__Https__Certificate__KeyPath=$D/key.pem taskset -c 1 dotnet $E/bin/Release/net10.0/EdgeImages.Edge.dll \
  --environment Development --contentRoot $E > https.log 2>&1 & P2=$!
trap 'kill $P1 $P2 2>/dev/null; rm -rf "$D"' EXIT
for i in $(seq 1 60); do curl -sf -o /dev/null http://127.0.0.1:18081/healthz && curl -skf -o /dev/null https://127.0.0.1:18443/healthz && break; sleep 1; done
# Pick the signed image URL of the demo page whose answer is nearest 30 KB.
best=""; bestd=999999999
for u in $(curl -s http://127.0.0.1:18081/ | grep -o 'src="/[^"]*"' | sed 's/src="//;s/"$//' | sed 's/&amp;/\&/g' | sort -u); do
  n=$(curl -s -o /dev/null -w '%{size_download}' -H 'Accept: image/webp' "http://127.0.0.1:18081$u")
  d=$(( n > 30000 ? n - 30000 : 30000 - n )); if [ $d -lt $bestd ]; then best=$u; bestd=$d; size=$n; fi
done
echo "url $best ($size bytes)"
curl -s -o /dev/null -D - -H 'Accept: image/webp' "http://127.0.0.1:18081$best" | grep -i x-cache
curl -sk -o /dev/null -D - -H 'Accept: image/webp' "https://127.0.0.1:18443$best" | grep -i -E "x-cache|^HTTP"
curl -sk -o /dev/null -D - -H 'Accept: image/webp' "https://127.0.0.1:18443$best" | grep -i x-cache
w() { taskset -c 0 wrk -t1 -c16 -d"$2" --latency -H 'Accept: image/webp' "$1$best" ; }
w http://127.0.0.1:18081 15s >/dev/null; w https://127.0.0.1:18443 15s >/dev/null   # warm-up, both alike
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in 1 2 3; do
  for t in http://127.0.0.1:18081 https://127.0.0.1:18443; do
    out=$(w $t 10s)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}'); p50=$(echo "$out" | awk '$1=="50%" {print $2}'); p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    echo "round $r ${t%%:*} $rps req/s p50 $p50 p99 $p99"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
