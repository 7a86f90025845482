package io.tracebridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracebridge.store.StoreFailures;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.hibernate.HibernateException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;

/** Which storage failures are "retry later" and which are the request's fault. */
class StoreFailuresTest {

    @Test
    void unavailable() {
        assertThat(StoreFailures.isUnavailable(new HibernateException(ClosedConnectionException.INSTANCE))).isTrue();
        assertThat(StoreFailures.isUnavailable(new RuntimeException(new ConnectException("refused")))).isTrue();
        assertThat(StoreFailures.isUnavailable(new HibernateException(new java.net.SocketException("Connection reset"))))
                .isTrue();
        assertThat(StoreFailures.isUnavailable(pg("55000"))).isTrue();
        assertThat(StoreFailures.isUnavailable(pg("57P01"))).isTrue();
        assertThat(StoreFailures.isUnavailable(pg("08006"))).isTrue();
        assertThat(StoreFailures.isUnavailable(pg("53300"))).isTrue();
        assertThat(StoreFailures.isUnavailable(pg("22001"))).isFalse();
        assertThat(StoreFailures.isUnavailable(new NullPointerException())).isFalse();
    }

    @Test
    void dataErrors() {
        assertThat(StoreFailures.isDataError(pg("21000"))).isTrue();
        assertThat(StoreFailures.isDataError(pg("22P02"))).isTrue();
        assertThat(StoreFailures.isDataError(pg("23505"))).isTrue();
        assertThat(StoreFailures.isDataError(pg("40P01"))).isFalse();
    }

    private static PgException pg(String state) {
        return new PgException("x", "ERROR", state, "detail");
    }
}
