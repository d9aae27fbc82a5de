# Shared by scripts/run and scripts/test: install what is missing, then configure and build.
# Sourced, not run.

# Debian 12 packages the build, the tests and the app need.
CONVSCOPE_PACKAGES=(
  g++ cmake make pkgconf
  libhwy-dev doctest-dev libcli11-dev nlohmann-json3-dev libstb-dev libgif-dev libbenchmark-dev
  libglfw3-dev libimgui-dev libgl-dev libgl1-mesa-dri xvfb xauth
  fonts-dejavu-core python3-numpy
)

convscope_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# Installs the packages that are not installed yet (apt-get; sudo when not root).
ensure_packages() {
  local missing=()
  for p in "${CONVSCOPE_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "Installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Configures (once) and builds a tree: build_tree DIR [cmake args...]
build_tree() {
  local dir=$1
  shift
  local root
  root=$(convscope_root)
  cmake -S "$root" -B "$root/$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$root/$dir" -j "$(nproc)"
}
