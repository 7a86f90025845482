package io.tracebridge.search;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Strings and numbers print as CPython's {@code repr} prints them (expected values from CPython 3.11). */
class MlflowMessagesPythonTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '#', value = {
            "it's|\"it's\"",
            "a\"b'c|'a\"b\\'c'",
            "tab\there|'tab\\there'",
            "é🙂|'é🙂'",
            "x\u0000y|'x\\x00y'",
            "back\\slash|'back\\\\slash'",
            "trace.status = 'OK'; DROP TABLE x|\"trace.status = 'OK'; DROP TABLE x\""})
    void stringsAsPythonRepr(String s, String repr) {
        assertThat(MlflowMessages.pyStr(s)).isEqualTo(repr);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1|1", "-4|-4", "1e20|1e+20", "0.0001|0.0001", "0.00001|1e-05", "1e16|1e+16", "123.0|123.0",
            "1.5E3|1500.0", "-4.5e3|-4500.0", "0.1|0.1", "12345678901234567.0|1.2345678901234568e+16",
            "1e15|1000000000000000.0"})
    void numbersAsPythonRepr(String literal, String repr) {
        assertThat(MlflowMessages.pyNumber(literal)).isEqualTo(repr);
    }
}
