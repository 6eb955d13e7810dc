#!/usr/bin/env bash
# Builds the container image datamgmt-node:<tag> in one command, offline.
#
#   tools/build-image.sh                 # datamgmt-node:dev
#   tools/build-image.sh --tag 1.2.0     # datamgmt-node:1.2.0
#   tools/build-image.sh --no-verify     # skip the start-up check at the end
#
# How (see deploy/README.md "Image"):
# 1. `bazel build --config=opt` the four binaries (Bazel's cache makes this a
#    no-op when nothing changed; --symlink_prefix=/ leaves the bazel-bin
#    symlink of the checkout alone, so local runs keep their build).
# 2. Stage a root file system in a temporary directory: the binaries,
#    stripped, in /usr/local/bin; every shared library they load (from ldd)
#    and the dynamic loader, at the paths ldd names; glibc's NSS modules
#    (libnss_files, libnss_dns, libresolv) and /etc/nsswitch.conf so names
#    like `node1` resolve in Compose and Kubernetes; the host's CA bundle;
#    /etc/passwd and /etc/group with the user datamgmt (10001:10001); /tmp
#    (1777) and an empty /data. File times are fixed, so an unchanged tree
#    gives the same build context and Docker's layer cache is hit.
# 3. `docker build --network=none` with deploy/docker/Dockerfile (FROM
#    scratch, no RUN step: no base image is pulled, nothing is downloaded).
#    The image the tag named before is removed if nothing else uses it.
# 4. Check: every binary loads and prints its name (--version) in the image,
#    and a node's four processes start in it (no network) and run as uid
#    10001. Prints the image's size.
#
# Environment: BAZEL_FLAGS (extra Bazel flags, e.g. --config=nosandbox),
# DOCKER (the docker CLI, default docker).
# Exit status: 0 built (and checked); 1 failed; 2 usage error.
set -euo pipefail
cd "$(dirname "$0")/.."

PROG=tools/build-image.sh
REPO=datamgmt-node
USER_ID=10001
# binary name -> Bazel target
declare -A TARGETS=(
  [dht-service]=//services/dht:dht-service
  [peer-manager]=//services/peer_manager:peer-manager
  [health-monitor]=//services/health_monitor:health-monitor
  [gateway]=//gateway:gateway
)
BINARIES=(dht-service peer-manager health-monitor gateway)
# Loaded with dlopen by glibc for name resolution, so ldd does not list them.
NSS_LIBS=(libnss_files.so.2 libnss_dns.so.2 libresolv.so.2)
# A fixed file time for the staged tree (2000-01-01T00:00:00Z).
STAGE_MTIME=@946684800

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

tag=dev
verify=1
while (($#)); do
  case $1 in
    --tag) [[ $# -ge 2 ]] || { echo "$PROG: --tag needs a value" >&2; exit 2; }
      tag=$2; shift 2 ;;
    --tag=*) tag=${1#--tag=}; shift ;;
    --no-verify) verify=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$PROG: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [[ ! $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
  echo "$PROG: '$tag' is not a valid image tag" >&2
  exit 2
fi
IMAGE="$REPO:$tag"
DOCKER=${DOCKER:-docker}
read -r -a bazel_flags <<<"${BAZEL_FLAGS:-}"
bazel_opt=(--config=opt "${bazel_flags[@]}")

die() { echo "$PROG: $*" >&2; exit 1; }
step() { echo "== $*"; }

for tool in bazel ldd strip "$DOCKER"; do
  command -v "$tool" >/dev/null || die "$tool not found (tools/deps.sh installs the build tools)"
done
"$DOCKER" info >/dev/null 2>&1 || die "the Docker engine does not answer ('$DOCKER info' fails)"

stage=$(mktemp -d -t datamgmt-image.XXXXXX)
check_containers=()
cleanup() {
  local c
  for c in "${check_containers[@]}"; do
    "$DOCKER" rm -f "$c" >/dev/null 2>&1 || true
  done
  rm -rf "$stage"
}
trap cleanup EXIT

# --- 1. Binaries. ---
step "bazel build --config=opt (${#BINARIES[@]} binaries)"
started=$SECONDS
log="$stage/bazel.log"
if ! bazel build "${bazel_opt[@]}" --symlink_prefix=/ \
    "${TARGETS[@]}" >"$log" 2>&1; then
  grep -v '^OpenJDK 64-Bit Server VM warning' "$log" | tail -40 >&2
  die "bazel build failed"
fi
bin_dir=$(bazel info "${bazel_opt[@]}" bazel-bin 2>/dev/null) ||
  die "bazel info bazel-bin failed"
echo "   done in $((SECONDS - started))s ($bin_dir)"

# --- 2. The root file system. ---
step "stage the root file system"
root="$stage/rootfs"
mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp" "$stage/data"
chmod 1777 "$root/tmp"
chmod 0755 "$stage/data"

for name in "${BINARIES[@]}"; do
  target=${TARGETS[$name]#//}
  src="$bin_dir/${target/://}"
  [[ -x "$src" ]] || die "no binary at $src"
  install -m 0755 "$src" "$root/usr/local/bin/$name"
  strip --strip-unneeded "$root/usr/local/bin/$name"
done

# copy_path PATH: copies the file PATH (following symlinks) to the same path
# under the root.
copy_path() {
  local dest="$root$1"
  [[ -e "$dest" ]] && return 0
  mkdir -p "$(dirname "$dest")"
  cp -L "$1" "$dest"
}

# libraries_of FILE...: the absolute paths ldd names (libraries and loader).
libraries_of() {
  local out
  out=$(ldd "$@") || die "ldd failed on $*"
  if grep -q 'not found' <<<"$out"; then
    grep 'not found' <<<"$out" >&2
    die "a shared library is missing on this machine"
  fi
  # Library lines are indented; with several files ldd also prints "FILE:".
  awk '/^[ \t]/ && $2 == "=>" && $3 ~ /^\// { print $3 }
       /^[ \t]/ && $1 ~ /^\// { print $1 }' <<<"$out" |
    sort -u
}

mapfile -t libs < <(libraries_of "$root"/usr/local/bin/*)
libc=$(printf '%s\n' "${libs[@]}" | grep -m1 '/libc\.so\.6$') ||
  die "ldd names no libc.so.6"
nss=()
for lib in "${NSS_LIBS[@]}"; do
  path="$(dirname "$libc")/$lib"
  [[ -e "$path" ]] || die "$path is missing (glibc's NSS modules)"
  nss+=("$path")
done
mapfile -t -O "${#libs[@]}" libs < <(printf '%s\n' "${nss[@]}"; libraries_of "${nss[@]}")
for lib in "${libs[@]}"; do copy_path "$lib"; done

ca=/etc/ssl/certs/ca-certificates.crt
[[ -s "$ca" ]] || die "$ca is missing (Debian package ca-certificates)"
install -m 0644 "$ca" "$root$ca"

cat >"$root/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
datamgmt:x:$USER_ID:$USER_ID:DataMgmt Node:/data:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
cat >"$root/etc/group" <<EOF
root:x:0:
datamgmt:x:$USER_ID:
nogroup:x:65534:
EOF
cat >"$root/etc/nsswitch.conf" <<'EOF'
passwd: files
group:  files
hosts:  files dns
EOF
chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"

cp deploy/docker/Dockerfile "$stage/Dockerfile"
find "$stage/rootfs" "$stage/data" "$stage/Dockerfile" \
  -exec touch -h -d "$STAGE_MTIME" {} +
echo "   $(find "$root" -type f | wc -l) files, $(du -sh "$root" | cut -f1)" \
  "(${#BINARIES[@]} binaries, ${#libs[@]} shared libraries)"

# --- 3. The image. ---
step "docker build --network=none -t $IMAGE"
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[[ $revision != unknown && -n "$(git status --porcelain 2>/dev/null)" ]] &&
  revision+="-dirty"
previous=$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
# The legacy builder (no buildx here) is fine: there is no RUN step.
if ! DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} "$DOCKER" build --network=none \
    --build-arg "REVISION=$revision" -t "$IMAGE" \
    "$stage" >"$stage/docker.log" 2>&1; then
  tail -40 "$stage/docker.log" >&2
  die "docker build failed"
fi

# The image this tag named before, if nothing else names or uses it now, is
# removed (each changed build would otherwise leave ~40 MB behind).
id=$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE")
if [[ -n "$previous" && "$previous" != "$id" &&
      $("$DOCKER" image inspect -f '{{len .RepoTags}}' "$previous" 2>/dev/null) == 0 ]]; then
  "$DOCKER" image rm "$previous" >/dev/null 2>&1 &&
    echo "   removed the previous $IMAGE (${previous#sha256:})"
fi

# --- 4. Check the image. ---
if ((verify)); then
  step "check: every binary loads, a node starts, runs as uid $USER_ID"
  for name in "${BINARIES[@]}"; do
    out=$("$DOCKER" run --rm --network=none "$IMAGE" "$name" --version 2>&1) ||
      die "'$name --version' failed in the image: $out"
    [[ $(head -n 1 <<<"$out") == "$name" ]] ||
      die "'$name --version' in the image printed: $out"
  done
  # A node without a network: dht-service owns the namespace (as in
  # Compose), the other three join it and reach it on loopback.
  base="datamgmt-image-check-$$"
  for name in "${BINARIES[@]}"; do
    net=(--network=none)
    [[ $name != dht-service ]] && net=(--network "container:$base-dht-service")
    check_containers+=("$base-$name")
    # The gateway refuses to start without a bearer token (or --auth=off).
    token=()
    [[ $name == gateway ]] && token=(-e "GATEWAY_AUTH_TOKEN=image-check-$$-$RANDOM$RANDOM")
    "$DOCKER" run -d --name "$base-$name" "${net[@]}" "${token[@]}" "$IMAGE" \
      "$name" >/dev/null || die "cannot start $name in the image"
  done
  deadline=$((SECONDS + 30))
  for name in "${BINARIES[@]}"; do
    c="$base-$name"
    until "$DOCKER" logs "$c" 2>&1 | grep -q "$name started"; do
      if [[ $("$DOCKER" inspect -f '{{.State.Running}}' "$c") != true ]] ||
          ((SECONDS >= deadline)); then
        "$DOCKER" logs "$c" 2>&1 | tail -20 >&2
        die "$name did not start in the image"
      fi
      sleep 0.2
    done
    uids=$("$DOCKER" top "$c" -o pid,uid,gid | awk 'NR > 1 { print $2 ":" $3 }' |
      sort -u)
    [[ $uids == "$USER_ID:$USER_ID" ]] ||
      die "$name runs as '$uids' in the image, not $USER_ID:$USER_ID"
  done
  echo "   dht-service, peer-manager, health-monitor and gateway started as $USER_ID:$USER_ID"
fi

size=$("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE")
echo "== built $IMAGE (${id#sha256:}): $size bytes ($(numfmt --to=iec --suffix=B "$size")), revision $revision"
