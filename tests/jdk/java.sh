#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# java.sh VERSION [java arguments...]: runs the java of JDK 11, 17, 21 or 25.
#   11: the bullseye build extracted by tests/jdk/fetch_jdk11.sh, run on the host
#   17: the host's (Debian 12) build
#   21, 25: the trixie builds in the root made by tests/jdk/fetch_trixie.sh.
#       They need glibc 2.38, so they run chrooted there, in their own PID and
#       mount namespaces: java is PID 1 of its namespace, in another root -
#       the container case. The current directory and every absolute path
#       among the arguments that exists on the host (class paths, output
#       files) are bind-mounted at the same place inside the root, and /tmp is
#       private to this JVM (perf map, attach socket, hsperfdata).
# The caller finds the JVM's host PID as the java descendant of this
# process (tests/e2e/lib.sh java_host_pid). Exits 2 if the JDK is missing
# (run the fetch script).
set -u
CACHE=${TMPROF_TEST_CACHE:-/var/cache/tmprof-test}
TRIXIE=$CACHE/trixie-root
version=${1:?usage: java.sh 11|17|21|25 [java args...]}
shift

missing() { echo "java.sh: JDK $version not found at $1 (run $2)" >&2; exit 2; }

case "$version" in
11)
	home=$CACHE/jdk11/usr/lib/jvm/java-11-openjdk-amd64
	[ -x "$home/bin/java" ] || missing "$home" tests/jdk/fetch_jdk11.sh
	exec "$home/bin/java" "$@"
	;;
17)
	home=/usr/lib/jvm/java-17-openjdk-amd64
	[ -x "$home/bin/java" ] || missing "$home" "make deps"
	exec "$home/bin/java" "$@"
	;;
21 | 25)
	home=/usr/lib/jvm/java-$version-openjdk-amd64
	[ -x "$TRIXIE$home/bin/java" ] || missing "$TRIXIE$home" tests/jdk/fetch_trixie.sh
	;;
*)
	echo "java.sh: unknown JDK version '$version' (11, 17, 21 or 25)" >&2
	exit 2
	;;
esac

# Paths to bind-mount: the cwd and the existing directories among the
# arguments (a class path may hold several, separated by ':').
binds=("$PWD")
for a in "$@"; do
	IFS=: read -r -a parts <<<"${a#*=}"
	for p in "${parts[@]}"; do
		case "$p" in /*) ;; *) continue ;; esac
		[ -d "$p" ] && binds+=("$p")
		[ -f "$p" ] && binds+=("$(dirname "$p")")
	done
done

# The inner script runs in the new namespaces as PID 1's parent shell, then
# execs chroot, which execs java: java keeps PID 1.
inner='set -e
root=$1 home=$2 cwd=$3; shift 3
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
while [ "$1" != -- ]; do
	case "$1" in "$root"|"$root"/*) shift; continue ;; esac
	mkdir -p "$root$1"
	mount --bind "$1" "$root$1"
	shift
done
shift
cd "$root$cwd"
exec chroot "$root" /bin/sh -c '\''cd "$0" && exec "$@"'\'' "$cwd" "$home/bin/java" "$@"'

exec unshare --pid --mount --fork --kill-child --mount-proc="$TRIXIE/proc" \
	/bin/sh -c "$inner" sh "$TRIXIE" "$home" "$PWD" "${binds[@]}" -- "$@"
