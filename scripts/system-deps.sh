#!/usr/bin/env bash
# Installs the Debian packages the portal needs when they are missing; harmless to rerun.
#   run:  fonts for Chinese PDFs, HarfBuzz subsetting (fast WeasyPrint), gettext (translations),
#         poppler (pdfsig, pdffonts, pdftoppm)
#   test: also Chromium for the browser tests and headless LibreOffice Writer and Calc, which
#         convert the filing packages' Word and Excel files to PDF (soffice --headless), with
#         the fonts metric-compatible with Calibri (openpyxl's default) and Times New Roman (the
#         Word documents' Latin font), so that columns, lines and pages come out as in Office
set -euo pipefail
want=(fonts-noto-cjk libharfbuzz-subset0 gettext poppler-utils)
if [ "${1:-}" = "test" ]; then
  want+=(chromium libreoffice-writer-nogui libreoffice-calc-nogui fonts-crosextra-carlito
         fonts-liberation2)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "Please install as root: apt-get install ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
