#!/usr/bin/env bash
# Draws the application icon and writes the committed outputs:
#   assets/icon.png  256x256 (the iced window icon, the Linux desktop icon)
#   assets/icon.ico  16, 32, 48 and 256 px (embedded in the Windows exes, the installer)
#
# Needs ImageMagick 6 (`convert`); builds do not, they use the committed files. Rerun after
# changing the drawing: `bash packaging/icon/make-icon.sh`. The output is byte-for-byte
# reproducible (no time stamps in the PNGs).
#
# The motif: a white USB stick and a yellow two-way arrow on a blue rounded square, i.e.
# "carried back and forth on a stick". The 16 px size is drawn pixel by pixel so that it stays
# legible in the taskbar and the notification area; the others are scaled down from 256 px.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$repo_root/assets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

blue='#1d4e89'
white='#ffffff'
metal='#c3ccd8'
yellow='#ffc61a'

# PNG writing without time stamps or other volatile chunks.
png_opts=(-strip +set date:create +set date:modify -define png:exclude-chunks=date,time,tIME
          -define png:color-type=6)

# 256 px master.
convert -size 256x256 xc:none -antialias \
    -fill "$blue" -draw "roundrectangle 8,8 247,247 44,44" \
    -fill "$metal" -draw "rectangle 62,38 114,88" \
    -fill "$blue" -draw "rectangle 72,52 84,64" -draw "rectangle 92,52 104,64" \
    -fill "$white" -draw "roundrectangle 46,84 130,222 14,14" \
    -fill "$blue" -draw "roundrectangle 64,170 112,182 5,5" \
    -fill "$yellow" -draw "rectangle 172,88 196,176" \
    -draw "polygon 142,100 226,100 184,40" \
    -draw "polygon 142,164 226,164 184,224" \
    "${png_opts[@]}" "PNG32:$work/icon-256.png"

for size in 48 32; do
    convert "$work/icon-256.png" -filter Lanczos -resize "${size}x${size}" \
        "${png_opts[@]}" "PNG32:$work/icon-$size.png"
done

# 16 px, pixel by pixel (no anti-aliasing).
convert -size 16x16 xc:none +antialias \
    -fill "$blue" -draw "rectangle 1,0 14,15" -draw "rectangle 0,1 15,14" \
    -fill "$metal" -draw "rectangle 3,1 6,4" \
    -fill "$white" -draw "rectangle 2,5 7,14" \
    -fill "$blue" -draw "rectangle 4,11 5,11" \
    -fill "$yellow" -draw "rectangle 11,1 12,1" -draw "rectangle 10,2 13,2" \
    -draw "rectangle 9,3 14,3" -draw "rectangle 11,4 12,11" \
    -draw "rectangle 9,12 14,12" -draw "rectangle 10,13 13,13" -draw "rectangle 11,14 12,14" \
    "${png_opts[@]}" "PNG32:$work/icon-16.png"

mkdir -p "$out"
cp "$work/icon-256.png" "$out/icon.png"
convert "$work/icon-16.png" "$work/icon-32.png" "$work/icon-48.png" "$work/icon-256.png" \
    "$out/icon.ico"
echo "make-icon: wrote $out/icon.png and $out/icon.ico"
