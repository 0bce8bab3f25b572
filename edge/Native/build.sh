#!/usr/bin/env bash
# Builds the edge's native shims, each optional at run time (the edge logs once what it runs without):
# - libedgeimages_jpeg.so (edgeimages_jpeg.c) against Debian's libjpeg62-turbo: the DC-only progressive JPEG decoder
#   and the JPEG encoder. Needs build-essential and libjpeg62-turbo-dev. Without it progressive JPEGs are decoded
#   whole and Skia writes JPEG.
# - libedgeimages_webp.so (edgeimages_webp.c) against Debian's libwebp7: the lossy WebP encoder. Needs libwebp-dev;
#   skipped with a note when its headers are missing. Without it Skia and libvips write WebP.
# test.sh installs all three packages.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p out
cc -O2 -fPIC -shared -Wall -Wextra -Werror -fvisibility=default -o out/libedgeimages_jpeg.so edgeimages_jpeg.c -ljpeg
echo "built $(pwd)/out/libedgeimages_jpeg.so"
if [ -f /usr/include/webp/encode.h ]; then
  cc -O2 -fPIC -shared -Wall -Wextra -Werror -fvisibility=default -o out/libedgeimages_webp.so edgeimages_webp.c -lwebp
  echo "built $(pwd)/out/libedgeimages_webp.so"
else
  echo "skipped libedgeimages_webp.so: libwebp-dev is not installed (WebP stays with Skia and libvips)"
fi
