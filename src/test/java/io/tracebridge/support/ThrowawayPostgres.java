package io.tracebridge.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL cluster of its own, in a temporary directory on a free port, for tests that stop
 * and kill the database; the shared one is never touched. Uses Debian's server binaries
 * (/usr/lib/postgresql/N/bin); as root they run as the {@code postgres} user.
 */
public final class ThrowawayPostgres implements AutoCloseable {
    public final int port;
    private final Path dir;
    private final String bin;
    private final boolean root = "root".equals(System.getProperty("user.name"));

    private ThrowawayPostgres(Path dir, String bin, int port) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
    }

    /** Initialises and starts a cluster with role/database {@code tracebridge} (password tracebridge). */
    public static ThrowawayPostgres start() throws Exception {
        File[] versions = new File("/usr/lib/postgresql").listFiles(f -> new File(f, "bin/initdb").canExecute());
        if (versions == null || versions.length == 0) {
            throw new IllegalStateException("PostgreSQL server binaries not found under /usr/lib/postgresql "
                    + "(scripts/ensure-postgres.sh installs Debian's postgresql)");
        }
        String bin = Arrays.stream(versions).max(Comparator.comparingInt(f -> Integer.parseInt(f.getName())))
                .orElseThrow() + "/bin";
        Path dir = Files.createTempDirectory("tracebridge-pg-");
        ThrowawayPostgres pg = new ThrowawayPostgres(dir, bin, PackagedApp.freePort());
        if (pg.root) {
            pg.exec(List.of("chown", "postgres:postgres", dir.toString()), false);
        }
        pg.exec(List.of(bin + "/initdb", "-D", dir.resolve("data").toString(), "-A", "trust", "-U", "postgres",
                "--no-sync", "-E", "UTF8"), true);
        pg.startServer();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE ROLE tracebridge LOGIN PASSWORD 'tracebridge'");
            s.execute("CREATE DATABASE tracebridge OWNER tracebridge");
        }
        return pg;
    }

    /**
     * A streaming replica of this cluster on a port of its own: {@code pg_basebackup -R} (which
     * writes {@code standby.signal} and {@code primary_conninfo}), started as a hot standby.
     */
    public ThrowawayPostgres standby() throws Exception {
        Path standbyDir = Files.createTempDirectory("tracebridge-pg-standby-");
        ThrowawayPostgres standby = new ThrowawayPostgres(standbyDir, bin, PackagedApp.freePort());
        if (root) {
            exec(List.of("chown", "postgres:postgres", standbyDir.toString()), false);
        }
        exec(List.of(bin + "/pg_basebackup", "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres",
                "-D", standbyDir.resolve("data").toString(), "-R", "-X", "stream", "-c", "fast", "--no-sync"), true);
        standby.startServer();
        return standby;
    }

    /** Runs one statement as the superuser (e.g. {@code SELECT pg_wal_replay_pause()} on a standby). */
    public void superuser(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl("tracebridge"), "tracebridge", "tracebridge");
    }

    public void startServer() throws Exception {
        exec(List.of(bin + "/pg_ctl", "-D", dir.resolve("data").toString(), "-l", dir.resolve("log").toString(), "-w",
                "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir, "start"), true);
    }

    /** Stops at once, like a crash: no checkpoint, connections cut; recovery replays the WAL. */
    public void crash() throws Exception {
        exec(List.of(bin + "/pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"), true);
    }

    /** A clean restart ({@code pg_ctl restart -m fast}): sessions terminated, then refused until it is up. */
    public void restart() throws Exception {
        exec(List.of(bin + "/pg_ctl", "-D", dir.resolve("data").toString(), "-l", dir.resolve("log").toString(),
                "-m", "fast", "-w", "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir, "restart"), true);
    }

    /**
     * Freezes the backends serving the application (SIGSTOP) for {@code millis}, then lets them
     * go on (SIGCONT): their statements hang without an error, as with a stalled server or a
     * half-open connection. Returns how many backends were frozen.
     */
    public int freezeBackends(long millis) throws Exception {
        List<String> pids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), "postgres", "");
             Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_activity WHERE usename = 'tracebridge'")) {
            while (rs.next()) {
                pids.add(String.valueOf(rs.getInt(1)));
            }
        }
        if (pids.isEmpty()) {
            return 0;
        }
        signal("-STOP", pids);
        try {
            Thread.sleep(millis);
        } finally {
            signal("-CONT", pids);
        }
        return pids.size();
    }

    /** kill(1) on each process; one that has exited meanwhile is no error. */
    private static void signal(String signal, List<String> pids) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kill", signal));
        cmd.addAll(pids);
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                .waitFor(10, TimeUnit.SECONDS);
    }

    private void exec(List<String> cmd, boolean asPostgres) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres && root) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", full) + " failed: " + out);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            exec(List.of(bin + "/pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"), true);
        } catch (IllegalStateException alreadyStopped) {
            // fine
        }
        exec(List.of("rm", "-rf", dir.toString()), false);
    }
}
