package io.tracebridge.ingest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The decompressed bytes of an OTLP body on their way into the decoder: stops with 413 at the
 * decompressed-size limit (the gzip-bomb guard, checked while inflating, so a bomb never costs
 * more than the limit) and charges the request's {@link ByteBudget.Reservation} for what
 * decoding them will hold, ahead of the bytes, in steps.
 */
final class BudgetedInputStream extends FilterInputStream {
    /** Reserve ahead in steps of this many decompressed bytes (not per read). */
    static final int STEP = 1 << 20;

    private final long limit;
    private final long costPerByte;
    private final ByteBudget.Reservation reservation;
    private long count;
    private long chargedUpTo;
    /** The first failure of this stream: decoders wrap what a read throws, the caller wants it as it was. */
    private Exception failure;
    private boolean draining;

    /**
     * @param costPerByte heap bytes charged per decompressed byte
     * @param reservation charged as bytes pass; null charges nothing
     */
    BudgetedInputStream(InputStream in, long limit, long costPerByte, ByteBudget.Reservation reservation) {
        super(in);
        this.limit = limit;
        this.costPerByte = costPerByte;
        this.reservation = reservation;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        try {
            // Never read more than one byte past the limit, so a bomb is cut off right there.
            int n = super.read(buf, off, (int) Math.min(len, limit - count + 1));
            if (n > 0) {
                counted(n);
            }
            return n;
        } catch (IOException | RuntimeException e) {
            if (failure == null && !draining) {
                failure = e;
            }
            throw e;
        }
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(8192, Math.max(1, n))];
        int read = read(buf, 0, (int) Math.min(buf.length, n));
        return Math.max(0, read);
    }

    /**
     * Reads the rest without charging for it, to tell an undecodable body from one over the limit
     * (a zero-filled gzip bomb is both; the limit is what it is answered for).
     *
     * @throws OtlpException TOO_LARGE when the rest passes the limit
     */
    void drainToLimit() {
        draining = true;
        byte[] buf = new byte[16384];
        try {
            while (read(buf, 0, buf.length) > 0) {
                // count() throws at the limit
            }
        } catch (IOException corrupt) {
            // the body's own fault, reported as undecodable
        }
    }

    /** The first exception a read threw (an inflater's IOException, or the 413/503 of this stream), or null. */
    Exception failure() {
        return failure;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    long count() {
        return count;
    }

    private void counted(long n) {
        count += n;
        if (count > limit) {
            throw OtlpDecoder.tooLarge(limit);
        }
        if (reservation != null && !draining && count > chargedUpTo) {
            long upTo = Math.min(limit, chargedUpTo + Math.max(STEP, count - chargedUpTo));
            reservation.add((upTo - chargedUpTo) * costPerByte);
            chargedUpTo = upTo;
        }
    }
}
