package io.tracebridge.fuzz;

/**
 * Limits shared by the fuzz tests. Every fuzz method carries a JUnit {@code @Timeout} of
 * {@link #INPUT_TIMEOUT_SECONDS}, which does two things (jazzer-junit 0.24 has no timeout
 * attribute on {@code @FuzzTest}):
 * <ul>
 *   <li>in regression mode (the default surefire execution), JUnit applies it to each seed, on a
 *   separate thread so that a seed stuck in a CPU loop, which ignores interrupts, fails too;</li>
 *   <li>in fuzzing mode ({@code JAZZER_FUZZ=1}), Jazzer passes it to libFuzzer as the per-input
 *   {@code -timeout}: an input that runs longer is written as {@code target/jazzer/timeout-*}
 *   and the run fails, instead of running on (libFuzzer's own default is 20 minutes). The
 *   fuzzing executions in pom.xml turn JUnit's enforcement off
 *   ({@code junit.jupiter.execution.timeout.mode=disabled}), because JUnit would otherwise apply
 *   the limit to the whole 30 s fuzzing run. Their seed replay is then not timed by JUnit; the
 *   default execution has replayed the same seeds with the limit before them.</li>
 * </ul>
 */
final class FuzzLimits {
    /** One input takes milliseconds (the largest body is 1 MiB); 10 s leaves room for GC on a busy machine. */
    static final long INPUT_TIMEOUT_SECONDS = 10;

    private FuzzLimits() {
    }
}
