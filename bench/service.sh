# Shared by the bench scripts that start their own service on a database made empty for the run
# (source it after 'cd' to the repository root):
#   fresh_service DBNAME   builds the packaged application if needed (APP_DIR=<dir>/target/quarkus-app
#                          to measure another build), drops and creates DBNAME through
#                          'psql -U postgres' on 127.0.0.1, starts the service on it (log in
#                          target/bench-DBNAME.log, PID in $svc, stopped on exit) and waits for its port
#   run MAIN ARGS...       runs a bench tool's main class through Maven
app="${APP_DIR:-target/quarkus-app}"
fresh_service() {
  [ -f "$app/quarkus-run.jar" ] || ./mvnw -B -q package -DskipTests -Dfuzz.skip
  ./mvnw -B -q test-compile -DskipTests -Dfuzz.skip >&2
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS \"$1\"" -c "CREATE DATABASE \"$1\" OWNER tracebridge"
  TRACEBRIDGE_DB_NAME="$1" java -Xmx384m -XX:+ExitOnOutOfMemoryError -jar "$app/quarkus-run.jar" > "target/bench-$1.log" 2>&1 &
  svc=$!
  trap 'kill $svc 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do
    (exec 3<>/dev/tcp/127.0.0.1/5000) 2>/dev/null && break
    sleep 1
  done
}
run() { ./mvnw -B -q exec:java -Dexec.mainClass="$1" -Dexec.args="${*:2}"; }
