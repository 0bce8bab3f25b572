#!/usr/bin/env bash
# Builds the DC-only progressive JPEG decoder (edgeimages_jpeg.c) against Debian's libjpeg62-turbo. Needs
# build-essential and libjpeg62-turbo-dev (test.sh installs them). The edge runs without it: progressive JPEGs
# are then decoded whole, as before (the edge logs that once).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p out
cc -O2 -fPIC -shared -Wall -Wextra -Werror -fvisibility=default -o out/libedgeimages_jpeg.so edgeimages_jpeg.c -ljpeg
echo "built $(pwd)/out/libedgeimages_jpeg.so"
