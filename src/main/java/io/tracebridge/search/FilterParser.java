package io.tracebridge.search;

import io.tracebridge.model.MlflowException;
import io.tracebridge.search.FilterLexer.Token;
import io.tracebridge.search.FilterLexer.Type;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses MLflow's filter grammar (contract §5.1) into clauses joined by AND. It checks syntax
 * only; which keys and comparators a search accepts is the caller's validation. Every failure is
 * an INVALID_PARAMETER_VALUE {@link MlflowException} with a message in MLflow's words.
 */
public final class FilterParser {
    /** Longest filter string accepted, so a hostile string cannot make parsing expensive. */
    public static final int MAX_FILTER_LENGTH = 20_000;
    /** Each clause becomes a condition (often a subquery); more would only slow the planner down. */
    public static final int MAX_CLAUSES = 50;
    /** Values in one IN (...) list. */
    public static final int MAX_IN_VALUES = 1_000;

    private final String source;
    private final List<Token> tokens;
    private int pos;

    private FilterParser(String source) {
        this.source = source;
        this.tokens = FilterLexer.tokenize(source);
    }

    /** An empty or blank filter gives no clauses. */
    public static List<Clause> parse(String filter) {
        if (filter == null || filter.isBlank()) {
            return List.of();
        }
        if (filter.length() > MAX_FILTER_LENGTH) {
            throw MlflowException.invalid("Filter string is too long: " + filter.length()
                    + " characters; at most " + MAX_FILTER_LENGTH + " are allowed");
        }
        return new FilterParser(filter).clauses();
    }

    private List<Clause> clauses() {
        List<Clause> out = new ArrayList<>();
        out.add(clause());
        while (peek().type() != Type.END) {
            Token t = next();
            if (t.type() == Type.SEMICOLON) {
                throw MlflowException.invalid("Search filter contained multiple expression '" + source
                        + "'. Provide AND-ed expression list.");
            }
            if (t.type() == Type.WORD && t.text().equalsIgnoreCase("AND")) {
                if (out.size() >= MAX_CLAUSES) {
                    throw MlflowException.invalid("Filter string has more than " + MAX_CLAUSES
                            + " AND-ed clauses; narrow it down");
                }
                out.add(clause());
            } else if (t.type() == Type.WORD && t.text().equalsIgnoreCase("OR")) {
                throw MlflowException.invalid("Invalid clause(s) in filter string: 'OR'. "
                        + "Only AND-ed expressions are supported; OR is not.");
            } else {
                throw MlflowException.invalid("Invalid clause(s) in filter string: unexpected '" + t.text()
                        + "' at position " + t.position() + ". Expected AND between clauses.");
            }
        }
        return out;
    }

    private Clause clause() {
        List<String> parts = new ArrayList<>();
        Token first = next();
        if (!isIdentifierPart(first)) {
            throw MlflowException.invalid("Invalid filter string: expected an identifier at position "
                    + first.position() + " but got " + describe(first));
        }
        parts.add(first.text());
        while (peek().type() == Type.DOT) {
            next();
            if (isIdentifierPart(peek())) {
                parts.add(next().text());
            } else {
                parts.add("");
                break;
            }
        }
        String prefix = parts.size() == 1 ? null : parts.get(0);
        String key = parts.size() == 1 ? parts.get(0) : String.join(".", parts.subList(1, parts.size()));
        String ident = prefix == null ? key : prefix + "." + key;

        Comparator cmp = comparator(ident);
        if (cmp == Comparator.IS_NULL || cmp == Comparator.IS_NOT_NULL) {
            return new Clause(prefix, key, cmp, null, false);
        }
        Token v = next();
        switch (v.type()) {
            case STRING:
                return new Clause(prefix, key, cmp, v.text(), true);
            case NUMBER:
                try {
                    return new Clause(prefix, key, cmp, new BigDecimal(v.text()), false);
                } catch (NumberFormatException e) {
                    throw MlflowException.invalid("Invalid number '" + v.text() + "' in filter string");
                }
            case LPAREN:
                return new Clause(prefix, key, cmp, list(ident), true);
            case WORD:
                return new Clause(prefix, key, cmp, v.text(), false);
            default:
                throw MlflowException.invalid("Invalid filter string: expected a value for '" + ident
                        + "' at position " + v.position() + " but got " + describe(v));
        }
    }

    private List<String> list(String ident) {
        List<String> values = new ArrayList<>();
        while (true) {
            Token t = next();
            if (t.type() != Type.STRING) {
                throw MlflowException.invalid("While parsing a list in the query, expected string value, "
                        + "punctuation, or whitespace, but got different type in list for '" + ident + "': "
                        + describe(t));
            }
            values.add(t.text());
            if (values.size() > MAX_IN_VALUES) {
                throw MlflowException.invalid("An IN list may hold at most " + MAX_IN_VALUES + " values");
            }
            Token sep = next();
            if (sep.type() == Type.RPAREN) {
                return values;
            }
            if (sep.type() != Type.COMMA) {
                throw MlflowException.invalid("Invalid list in filter string for '" + ident
                        + "': expected ',' or ')' but got " + describe(sep));
            }
        }
    }

    private Comparator comparator(String ident) {
        Token t = next();
        if (t.type() == Type.OP) {
            return switch (t.text()) {
                case "=" -> Comparator.EQ;
                case "!=", "<>" -> Comparator.NE;
                case "<" -> Comparator.LT;
                case "<=" -> Comparator.LE;
                case ">" -> Comparator.GT;
                case ">=" -> Comparator.GE;
                default -> throw badComparator(ident, t);
            };
        }
        if (t.type() == Type.WORD) {
            switch (t.text().toUpperCase(Locale.ROOT)) {
                case "LIKE":
                    return Comparator.LIKE;
                case "ILIKE":
                    return Comparator.ILIKE;
                case "RLIKE":
                    return Comparator.RLIKE;
                case "IN":
                    return Comparator.IN;
                case "NOT":
                    if (word(peek(), "IN")) {
                        next();
                        return Comparator.NOT_IN;
                    }
                    throw badComparator(ident, t);
                case "IS":
                    if (word(peek(), "NULL")) {
                        next();
                        return Comparator.IS_NULL;
                    }
                    if (word(peek(), "NOT")) {
                        next();
                        if (word(peek(), "NULL")) {
                            next();
                            return Comparator.IS_NOT_NULL;
                        }
                    }
                    throw badComparator(ident, t);
                default:
                    throw badComparator(ident, t);
            }
        }
        throw badComparator(ident, t);
    }

    private MlflowException badComparator(String ident, Token t) {
        return MlflowException.invalid("Invalid comparator " + describe(t) + " after '" + ident
                + "'. Expected one of =, !=, <, <=, >, >=, LIKE, ILIKE, RLIKE, IN, NOT IN, IS NULL, IS NOT NULL.");
    }

    private static boolean isIdentifierPart(Token t) {
        return t.type() == Type.WORD || t.type() == Type.BACKTICK
                || (t.type() == Type.STRING && t.quote() == '"');
    }

    private static boolean word(Token t, String w) {
        return t.type() == Type.WORD && t.text().equalsIgnoreCase(w);
    }

    private static String describe(Token t) {
        return t.type() == Type.END ? "the end of the filter" : "'" + t.text() + "'";
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.type() != Type.END) {
            pos++;
        }
        return t;
    }
}
