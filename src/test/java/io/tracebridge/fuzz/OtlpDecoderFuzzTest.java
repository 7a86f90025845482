package io.tracebridge.fuzz;

import io.tracebridge.support.Assemblers;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;
import io.tracebridge.ingest.OtlpDecoder;
import io.tracebridge.errors.OtlpEncoding;
import io.tracebridge.ingest.OtlpException;
import io.tracebridge.mapping.TraceAssembler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Coverage-guided fuzzing (Jazzer) of the OTLP/HTTP decoding path: content encodings (gzip,
 * deflate, none, or garbage), protobuf and JSON bodies, then the OTel to MLflow mapping. The
 * only acceptable failure is an {@link OtlpException} (answered 400/413); any other exception,
 * a hang (Jazzer's timeout) or running out of memory is a finding.
 * <p>Without {@code JAZZER_FUZZ} this runs the seeds under
 * src/test/resources/io/tracebridge/fuzz/OtlpDecoderFuzzTestInputs/decodeAndMap as a regression
 * test; the seeds are a real OTLP request in protobuf and JSON, plain and compressed.
 */
class OtlpDecoderFuzzTest {
    private static final OtlpDecoder DECODER = new OtlpDecoder(1 << 20);
    private static final TraceAssembler ASSEMBLER = Assemblers.limited(500, 10_000);

    private static final String[] CONTENT_ENCODINGS = {null, "gzip", "deflate", "identity", "br", "gzip, deflate"};

    /**
     * The first byte chooses how the rest is sent: bit 0 JSON or protobuf, bits 1-3 the
     * Content-Encoding header, bit 4 whether the test compresses the body to match it (so the
     * fuzzer also reaches the decoders behind a valid gzip/deflate stream).
     */
    @Timeout(value = FuzzLimits.INPUT_TIMEOUT_SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "30s")
    void decodeAndMap(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        int mode = input[0] & 0xff;
        OtlpEncoding encoding = (mode & 1) == 1 ? OtlpEncoding.JSON : OtlpEncoding.PROTOBUF;
        String contentEncoding = CONTENT_ENCODINGS[((mode >> 1) & 7) % CONTENT_ENCODINGS.length];
        byte[] body = java.util.Arrays.copyOfRange(input, 1, input.length);
        if ((mode & 16) != 0 && "gzip".equals(contentEncoding)) {
            body = gzip(body);
        } else if ((mode & 16) != 0 && "deflate".equals(contentEncoding)) {
            body = deflate(body);
        }
        try {
            ASSEMBLER.assemble(DECODER.decode(body, encoding, contentEncoding));
        } catch (OtlpException expected) {
            // undecodable input: a 4xx answer
        }
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }
}
