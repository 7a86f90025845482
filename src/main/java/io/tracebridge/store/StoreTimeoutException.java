package io.tracebridge.store;

import java.time.Duration;

/**
 * A database call that did not finish within its time bound. A frozen PostgreSQL backend (or a
 * stopped server, or a half-open TCP connection) never answers, and the reactive client has no
 * statement timeout of its own, so without a bound the request would hang until the client gives
 * up. {@link StoreFailures#isUnavailable} counts it as unavailable: the client retries, and since
 * ingest is idempotent a write that still commits later is not stored twice.
 */
public class StoreTimeoutException extends RuntimeException {
    public StoreTimeoutException(String what, Duration timeout) {
        super(what + " did not finish within " + timeout, null, false, false);
    }
}
