package io.tracebridge.support;

import org.eclipse.microprofile.config.ConfigProvider;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Makes the test database really unavailable to the service: new connections are refused
 * ({@code ALLOW_CONNECTIONS false}) and open ones are terminated, the way a restart looks to a
 * client. Works on the test database only, through the maintenance database, as its owner.
 */
public final class DatabaseOutage implements AutoCloseable {
    private final String db;
    private final Connection admin;

    private DatabaseOutage(String db, Connection admin) {
        this.db = db;
        this.admin = admin;
    }

    public static DatabaseOutage begin() throws SQLException {
        var config = ConfigProvider.getConfig();
        String host = config.getValue("tracebridge.db.host", String.class);
        int port = config.getValue("tracebridge.db.port", Integer.class);
        String db = config.getValue("tracebridge.db.name", String.class);
        Connection c = DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/postgres",
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
        DatabaseOutage outage = new DatabaseOutage(db, c);
        try (Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE \"" + db + "\" ALLOW_CONNECTIONS false");
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db
                    + "' AND pid <> pg_backend_pid()");
        }
        return outage;
    }

    /** Lets connections in again. */
    @Override
    public void close() throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute("ALTER DATABASE \"" + db + "\" ALLOW_CONNECTIONS true");
        } finally {
            admin.close();
        }
    }
}
