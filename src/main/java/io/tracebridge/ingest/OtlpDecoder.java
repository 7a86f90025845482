package io.tracebridge.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

/**
 * Decodes an OTLP/HTTP body: Content-Encoding (identity, gzip, deflate as zlib or raw) with a
 * bound on the decompressed size, then protobuf or OTLP JSON.
 */
public final class OtlpDecoder {
    private final long maxDecompressedBytes;

    public OtlpDecoder(long maxDecompressedBytes) {
        this.maxDecompressedBytes = maxDecompressedBytes;
    }

    public ExportTraceServiceRequest decode(byte[] body, OtlpEncoding encoding, String contentEncoding) {
        byte[] raw = decompress(body, contentEncoding);
        if (encoding == OtlpEncoding.JSON) {
            return OtlpJson.parse(raw);
        }
        try {
            return ExportTraceServiceRequest.parseFrom(raw);
        } catch (InvalidProtocolBufferException e) {
            throw new OtlpException(OtlpException.Kind.BAD_REQUEST,
                    "Invalid OTLP protobuf body: " + e.getMessage());
        }
    }

    byte[] decompress(byte[] body, String contentEncoding) {
        String enc = contentEncoding == null ? "identity" : contentEncoding.trim().toLowerCase(Locale.ROOT);
        byte[] out;
        switch (enc) {
            case "", "identity":
                out = body;
                break;
            case "gzip", "x-gzip":
                out = gunzip(body);
                break;
            case "deflate":
                out = inflate(body);
                break;
            default:
                throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "Unsupported Content-Encoding: "
                        + contentEncoding + " (supported: gzip, deflate, identity)");
        }
        if (out.length > maxDecompressedBytes) {
            throw tooLarge();
        }
        return out;
    }

    private OtlpException tooLarge() {
        return new OtlpException(OtlpException.Kind.TOO_LARGE,
                "OTLP request body exceeds " + maxDecompressedBytes + " bytes after decompression");
    }

    private byte[] gunzip(byte[] body) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body), 8192)) {
            return readBounded(in);
        } catch (IOException e) {
            throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "Corrupt gzip body: " + e.getMessage());
        }
    }

    /** HTTP "deflate" is zlib-wrapped by the RFC, but raw deflate is common; accept both. */
    private byte[] inflate(byte[] body) {
        try {
            return inflate(body, false);
        } catch (DataFormatException e) {
            try {
                return inflate(body, true);
            } catch (DataFormatException e2) {
                throw new OtlpException(OtlpException.Kind.BAD_REQUEST, "Corrupt deflate body: " + e2.getMessage());
            }
        }
    }

    private byte[] inflate(byte[] body, boolean raw) throws DataFormatException {
        Inflater inflater = new Inflater(raw);
        try {
            inflater.setInput(body);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.length * 4));
            byte[] buf = new byte[16384];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new DataFormatException("truncated deflate stream");
                }
                out.write(buf, 0, n);
                if (out.size() > maxDecompressedBytes) {
                    throw tooLarge();
                }
            }
            return out.toByteArray();
        } finally {
            inflater.end();
        }
    }

    private byte[] readBounded(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buf = new byte[16384];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            if (out.size() > maxDecompressedBytes) {
                throw tooLarge();
            }
        }
        return out.toByteArray();
    }
}
