# Sourced by the launchers in bin/: finds the distribution's home and a Java 17+ runtime, and builds
# the JVM options every Drover process of this distribution gets. Not a command of its own.

# The real location, through any symlink (a `current` link, /usr/local/bin/drover): the classpath
# and the version then name the installed release the process really runs.
DROVER_HOME="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[1]}")")/.." && pwd)"
DROVER_VERSION="$(head -1 "$DROVER_HOME/VERSION" 2>/dev/null || echo unknown)"

drover_die() { echo "$(basename "${BASH_SOURCE[-1]}"): $*" >&2; exit 2; }

# JAVA_HOME when set, else java on PATH; Java 17 or newer. The version is read from the runtime's
# `release` file (no JVM start); a runtime without one is taken as it is.
drover_java() {
  local java home spec
  if [[ -n "${JAVA_HOME:-}" ]]; then
    java="$JAVA_HOME/bin/java"
    [[ -x "$java" ]] || drover_die "JAVA_HOME=$JAVA_HOME has no bin/java: point it at a Java 17 runtime or unset it"
  else
    java="$(command -v java 2>/dev/null)" \
      || drover_die "java not found: install a Java 17 runtime (apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
  fi
  home="$(dirname "$(dirname "$(readlink -f "$java")")")"
  if [[ -r "$home/release" ]]; then
    spec="$(sed -n 's/^JAVA_VERSION="\{0,1\}\([0-9]*\).*/\1/p' "$home/release" | head -1)"
    if [[ -n "$spec" && "$spec" -lt 17 ]]; then
      drover_die "$java is Java $spec; Drover needs Java 17 or newer (set JAVA_HOME)"
    fi
  fi
  echo "$java"
}
